"""Refuse to start a production process, with one clear line, before it starts (deploy/*.sh).

    python deploy/preflight.py web|worker|migrate

Exit 0: go ahead. Exit 78 (EX_CONFIG; systemd units do not restart on it) with the reason on
stderr when:
- PLATFORM_MODE is not `production` (the deploy scripts are the production path; `./run` is the demo);
- config.settings refuses (DEBUG on, the built-in or a short SECRET_KEY, a `*_FILE` secret that
  cannot be read, …);
- for `web` and `worker`: `accounts.startup.unsafe_production_reasons()` finds demo accounts (the
  demo password) in the database — the same check config/wsgi.py makes when gunicorn loads the
  platform, here without a traceback.
A database that cannot be reached is not a refusal: the process starts and `/readyz` says 503
until it can.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
EX_CONFIG = 78


def refuse(reason: str) -> None:
    if not reason.startswith("生产模式拒绝启动"):
        reason = "拒绝启动：" + reason
    sys.stderr.write(f"{reason} (refused to start)\n")
    sys.exit(EX_CONFIG)


def main(role: str) -> None:
    sys.path.insert(0, str(SRC))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if os.environ.get("PLATFORM_MODE", "").strip().lower() != "production":
        refuse("deploy/ 脚本只用于生产模式，请设置 PLATFORM_MODE=production（演示请用 ./run）")
    from django.core.exceptions import ImproperlyConfigured

    try:
        import django

        django.setup()
    except ImproperlyConfigured as exc:
        refuse(str(exc))
    if role in {"web", "worker"}:
        from django.db import connections

        from accounts.startup import unsafe_production_reasons

        reasons = unsafe_production_reasons()
        connections.close_all()
        if reasons:
            refuse("生产模式拒绝启动：" + "；".join(reasons))  # the words of accounts.startup


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in {"web", "worker", "migrate"}:
        sys.exit("usage: preflight.py web|worker|migrate")
    main(sys.argv[1])
