"""Production mode (PLATFORM_MODE=production): secure transport from the environment, check --deploy
clean, the built-in secret key, DEBUG, demo accounts and the demo password refused; the
Content-Security-Policy; no inline event handlers; no server version."""
from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from accounts.tests.helpers import account, sign_in, token_for
from core.testing.procs import free_port

SRC = Path(__file__).resolve().parents[2]
def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"TESTING", "DEBUG", "SECRET_KEY", "DATABASE_URL",
                                                            "PLATFORM_MODE", "MAP_TILE_URL"}}
    env.update({"VAR_DIR": tempfile.mkdtemp(prefix="prod-var-"), "ALLOWED_HOSTS": "platform.example.gov.cn",
                "PYTHONPATH": str(SRC)})
    env.update(extra)
    return env


def _production_env(**extra: str) -> dict[str, str]:
    keys = {"PERSONAL_DATA_KEY": secrets.token_urlsafe(32), "AUDIT_CHAIN_KEY": secrets.token_urlsafe(32)}
    return _env(PLATFORM_MODE="production", SECRET_KEY=secrets.token_urlsafe(64), **{**keys, **extra})


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SRC / "manage.py"), *args], env=env, cwd=SRC, capture_output=True,
                          text=True, timeout=300)


def test_check_deploy_is_clean_with_the_production_settings() -> None:
    env = _production_env()
    security = _manage(env, "check", "--deploy", "--tag", "security", "--fail-level", "WARNING")
    assert security.returncode == 0, security.stdout + security.stderr
    assert "no issues" in security.stdout
    full = _manage(env, "check", "--deploy", "--fail-level", "WARNING")
    issues = set(re.findall(r"\(([a-z_]+\.[A-Z]\d+)\)", full.stdout + full.stderr))
    assert not issues, full.stdout + full.stderr  # drf-spectacular's schema warnings (W001) included


def test_demo_mode_is_what_check_deploy_warns_about() -> None:
    demo = _manage(_env(), "check", "--deploy", "--tag", "security", "--fail-level", "WARNING")
    assert demo.returncode != 0 and "security.W004" in demo.stderr + demo.stdout


def test_production_takes_its_transport_settings_from_the_environment() -> None:
    code = ("import json, django; django.setup(); from django.conf import settings as s; print(json.dumps(["
            "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SESSION_COOKIE_SECURE,"
            " s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER, s.DEBUG]))")
    run = lambda env: json.loads(subprocess.run(  # noqa: E731
        [sys.executable, "-c", code], env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"}, cwd=SRC,
        capture_output=True, text=True, timeout=120, check=True).stdout)
    assert run(_production_env()) == [True, 31536000, True, True, True, None, False]
    assert run(_production_env(SECURE_HSTS_SECONDS="600", SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto")) == [
        True, 600, True, True, True, ["HTTP_X_FORWARDED_PROTO", "https"], False]
    assert run(_env()) == [False, 0, False, False, False, None, False]


@pytest.mark.parametrize("extra, message", [
    ({"SECRET_KEY": ""}, "SECRET_KEY"),
    ({"SECRET_KEY": "dev-only-not-secret-change-in-production"}, "内置的演示密钥"),
    # Django's startproject key: a template's placeholder, published with every new project
    ({"SECRET_KEY": "django-insecure-" + "k3#9x!a7qz$w2m@p8v^r5t&y0u*i6o(e4l)n1b+c=d-f"}, "SECRET_KEY"),
    ({"DEBUG": "1"}, "DEBUG"),
    ({"PLATFORM_MODE": "staging"}, "PLATFORM_MODE"),
], ids=["no key", "built-in key", "startproject key", "debug", "unknown mode"])
def test_production_refuses_to_start_with_unsafe_settings(extra: dict[str, str], message: str) -> None:
    env = _production_env()
    env.update(extra)
    if not env["SECRET_KEY"]:
        del env["SECRET_KEY"]
    result = _manage(env, "check")
    assert result.returncode != 0 and "ImproperlyConfigured" in result.stderr and message in result.stderr


@pytest.mark.django_db
def test_production_refuses_to_serve_while_demo_accounts_exist(world, settings) -> None:  # noqa: ANN001
    from accounts.startup import refuse_unsafe_production

    settings.PLATFORM_MODE = "production"
    settings.SECRET_KEY = secrets.token_urlsafe(64)
    refuse_unsafe_production()  # the world's accounts are real ones
    account("demo-town-321002001", ["town_command"], password="demo12345", is_synthetic=True)
    with pytest.raises(ImproperlyConfigured, match="演示账号"):
        refuse_unsafe_production()
    settings.PLATFORM_MODE = "demo"
    refuse_unsafe_production()


@pytest.mark.django_db
def test_production_refuses_demo_accounts_and_the_demo_password(world, settings) -> None:  # noqa: ANN001
    from django.core.management.base import CommandError

    from accounts import demo

    account("demo-city", ["city_command"], "321000000000", password="demo12345", is_synthetic=True)
    account("real-clerk", ["town_command"], password="demo12345")  # set before the policy existed
    token = token_for("demo-city", "demo12345").json()["token"]
    settings.PLATFORM_MODE = "production"
    assert sign_in(Client(), "demo-city", "demo12345").status_code == 200  # the form again: refused
    assert sign_in(Client(), "real-clerk", "demo12345").status_code == 200
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/auth/me/").status_code == 401
    with pytest.raises(CommandError, match="生产模式"):
        demo.load(lambda message: None)


@pytest.mark.django_db
def test_secure_transport_settings_take_effect(world, settings) -> None:  # noqa: ANN001
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    plain = Client().get("/login/")
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/login/"
    assert Client().get("/healthz").status_code == 200  # the load balancer's probe stays on http
    proxied = Client(HTTP_X_FORWARDED_PROTO="https")
    page = proxied.get("/login/")
    assert page.status_code == 200
    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    account("tls-clerk", ["town_command"])
    signed_in = sign_in(proxied, "tls-clerk")
    assert signed_in.cookies["sessionid"]["secure"] is True and signed_in.cookies["sessionid"]["httponly"] is True


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_with_a_nonce(world) -> None:  # noqa: ANN001
    account("csp-clerk", ["town_command", "grid_worker"])
    client = Client()
    sign_in(client, "csp-clerk")
    page = client.get("/grids/map/")
    assert page.status_code == 200
    policy = dict(part.strip().split(" ", 1) for part in page["Content-Security-Policy"].split(";") if part.strip())
    assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'" and policy["img-src"] == "'self' data: blob:"
    nonce = re.search(r"'nonce-([^']+)'", policy["script-src"]).group(1)
    assert policy["script-src"].startswith("'self'") and "unsafe-inline" not in policy["script-src"]
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", page.content.decode())
    assert inline and all(f'nonce="{nonce}"' in attrs for attrs in inline if "application/json" not in attrs)
    assert "'nonce-" not in Client().get("/login/")["Content-Security-Policy"]  # no inline script, no nonce


def test_the_base_map_tile_host_is_the_only_outside_origin() -> None:
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'][-1])")
    env = {**_env(MAP_TILE_URL="https://{s}.tiles.example.gov.cn/{z}/{x}/{y}.png"),
           "DJANGO_SETTINGS_MODULE": "config.settings"}
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=SRC, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "https://*.tiles.example.gov.cn", out.stderr


def test_templates_have_no_inline_event_handlers_and_inline_scripts_carry_the_nonce() -> None:
    handler = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
    problems = []
    for template in SRC.glob("*/templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        if handler.search(text) or "javascript:" in text:
            problems.append(f"{template.relative_to(SRC)}: inline event handler")
        for attrs in re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", text):
            if "application/json" not in attrs and "CSP_NONCE" not in attrs:
                problems.append(f"{template.relative_to(SRC)}: inline script without the nonce")
    assert not problems, problems


def test_the_server_header_names_no_version() -> None:
    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    proc = subprocess.Popen([str(gunicorn), "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                             "--log-level", "warning"], env=_env(), cwd=SRC, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        headers = None
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/web/platform.js", timeout=2) as answer:
                    headers = answer.headers
                break
            except OSError:
                time.sleep(0.2)
        assert headers is not None, "gunicorn did not answer"
        assert not re.search(r"\d", headers.get("Server", "")), headers.get("Server")
        assert "X-Powered-By" not in headers
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.mark.django_db
def test_maps_draw_the_configured_base_map_and_nothing_else(world, settings) -> None:  # noqa: ANN001
    account("map-clerk", ["town_command", "grid_worker"])
    client = Client()
    sign_in(client, "map-clerk")
    assert "data-map-tiles" not in client.get("/grids/map/").content.decode()  # no base map by default
    settings.MAP_TILE_URL = "https://tiles.example.gov.cn/{z}/{x}/{y}.png"
    page = client.get("/grids/map/").content.decode()
    assert 'data-map-tiles="https://tiles.example.gov.cn/{z}/{x}/{y}.png"' in page
    assert "grids/maps.js" in page and "GridMaps.base(map)" in page  # the shared map script draws the tiles
    from django.contrib.staticfiles import finders

    found = finders.find("grids/maps.js")
    assert isinstance(found, str)
    with open(found, encoding="utf-8") as fh:
        assert "L.tileLayer(url" in fh.read()
