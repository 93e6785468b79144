"""`load_demo` in production mode refuses before it writes anything (a newcomer's trial: it used to
refuse in the accounts part, after the org part had written 1,554 units and 6,286 staff)."""
from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.models import AuditLog
from divisions.models import Division
from org.models import Staff, Unit

pytestmark = pytest.mark.django_db


def test_load_demo_in_production_refuses_before_writing_anything(settings) -> None:  # noqa: ANN001
    settings.PLATFORM_MODE = "production"
    before = (Division.objects.count(), Unit.objects.count(), Staff.objects.count(), AuditLog.objects.count())
    with pytest.raises(CommandError, match="生产模式"):
        call_command("load_demo")
    assert (Division.objects.count(), Unit.objects.count(), Staff.objects.count(),
            AuditLog.objects.count()) == before


def test_the_synthetic_data_footer_shows_in_demo_mode_only(settings, client) -> None:  # noqa: ANN001
    note = "演示数据中的人员、账号和几何图形为合成数据"
    assert note in client.get("/login/").content.decode()
    settings.PLATFORM_MODE = "production"
    page = client.get("/login/", secure=True)
    assert page.status_code == 200 and "<footer>" in page.content.decode() and note not in page.content.decode()
