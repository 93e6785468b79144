"""Admin: a commander requeues a dead outbox row of their subtree; others' rows stay dead."""
from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditLog
from core.testing.world import build_world
from notify.choices import OutboxStatus
from notify.models import OutboxMessage

pytestmark = pytest.mark.django_db


def _dead(key: str, division: str) -> OutboxMessage:
    return OutboxMessage.objects.create(kind="notify.send", key=key, division_id=division, status=OutboxStatus.DEAD,
                                        attempts=12, last_error="gateway down")


def test_requeue_dead_rows_in_scope_only() -> None:
    world = build_world()
    mine, theirs = _dead("b:1", "321002106000"), _dead("a:1", "321002001000")
    client = Client()
    client.force_login(world.insider)
    url = reverse("admin:notify_outboxmessage_changelist")
    response = client.post(url, {"action": "requeue", "_selected_action": [mine.pk, theirs.pk]}, follow=True)
    assert response.status_code == 200
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, mine.attempts) == (OutboxStatus.PENDING, 0)
    assert theirs.status == OutboxStatus.DEAD
    assert AuditLog.objects.filter(model="notify.OutboxMessage", object_id=str(mine.pk),
                                   after__status="pending").exists()
    assert client.get(reverse("admin:notify_outboxmessage_change", args=[mine.pk])).status_code == 200
