"""Settings from the environment, secrets from files (config.settings.env): `NAME_FILE` names a
file whose trimmed content is the value (it wins over `NAME`); a file that cannot be read is
refused with a message that names the setting. (A whole production start from `SECRET_KEY_FILE`:
web/tests/test_production_stack.py.)"""
from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import env, envbool, envint


def test_a_value_comes_from_the_environment_or_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JCZL_TEST_VALUE", raising=False)
    monkeypatch.delenv("JCZL_TEST_VALUE_FILE", raising=False)
    assert env("JCZL_TEST_VALUE", "fallback") == "fallback"
    monkeypatch.setenv("JCZL_TEST_VALUE", "plain")
    assert env("JCZL_TEST_VALUE", "fallback") == "plain"


def test_a_secret_comes_from_its_file_trimmed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "database_url"
    secret.write_text("  postgres://jczl:s3cret@db:5432/jczl\n", encoding="utf-8")
    monkeypatch.delenv("JCZL_TEST_URL", raising=False)
    monkeypatch.setenv("JCZL_TEST_URL_FILE", str(secret))
    assert env("JCZL_TEST_URL") == "postgres://jczl:s3cret@db:5432/jczl"
    (tmp_path / "workers").write_text("6\n")
    (tmp_path / "flag").write_text("on\n")
    monkeypatch.setenv("JCZL_TEST_N_FILE", str(tmp_path / "workers"))
    monkeypatch.setenv("JCZL_TEST_FLAG_FILE", str(tmp_path / "flag"))
    assert envint("JCZL_TEST_N", 2) == 6 and envbool("JCZL_TEST_FLAG") is True


def test_the_file_wins_over_the_value(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "key").write_text("x" * 60)
    monkeypatch.setenv("JCZL_TEST_KEY", "y" * 60)
    monkeypatch.setenv("JCZL_TEST_KEY_FILE", str(tmp_path / "key"))
    assert env("JCZL_TEST_KEY") == "x" * 60


def test_an_unreadable_secret_file_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("JCZL_TEST_KEY", raising=False)
    monkeypatch.setenv("JCZL_TEST_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="无法读取 JCZL_TEST_KEY_FILE="):
        env("JCZL_TEST_KEY")
