"""The committed seed loads once (real items, none synthetic) and a second run adds nothing."""
import pytest
from django.core.management import call_command

from catalog.models import Item
from core.models import AuditLog

pytestmark = pytest.mark.django_db


def test_load_catalog_items_is_idempotent_and_audited(capsys):
    call_command("load_catalog_items")
    n = Item.objects.count()
    assert n >= 100 and not Item.objects.filter(is_synthetic=True).exists()
    assert Item.objects.filter(delegable=True, kind="approval").count() >= 20
    assert AuditLog.objects.filter(model="catalog.Item", action="create").count() == n
    call_command("load_catalog_items")
    assert Item.objects.count() == n
    assert "新增 0 项" in capsys.readouterr().out
