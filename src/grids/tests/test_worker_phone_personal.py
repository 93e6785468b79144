"""A grid worker's phone is personal data: encrypted at rest, masked in the API, revealed with an audit row."""
import pytest
from django.db import connection
from rest_framework.test import APIClient

from core.models import AuditLog
from core.personal import reveal_personal
from core.testing.world import build_world
from grids.models import GridWorker

pytestmark = pytest.mark.django_db


def test_worker_phone_is_encrypted_masked_and_revealed_with_audit() -> None:
    world = build_world()
    worker = GridWorker.objects.create(name="张网格", phone="13812341234", division_id="321002001000")
    with connection.cursor() as cur:
        cur.execute("SELECT phone FROM grids_gridworker WHERE id = %s", [worker.pk])
        raw = cur.fetchone()[0]
    assert raw and not any(ch.isdigit() for ch in raw)
    api = APIClient()
    api.force_authenticate(world.outsider)
    row = api.get(f"/api/grids/workers/{worker.pk}/").json()
    assert row["phone"] == "138****1234"
    before = AuditLog.objects.filter(action="reveal").count()
    assert reveal_personal(user=world.outsider, obj=GridWorker.objects.get(pk=worker.pk), field="phone") == "13812341234"
    assert AuditLog.objects.filter(action="reveal").count() == before + 1
