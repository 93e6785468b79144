"""Small fixtures for the notify tests: a unit in town B with two members, and delivery helpers."""
from __future__ import annotations

from typing import Any

from django.db import transaction

from core.roles import Role
from core.testing.world import World
from notify import outbox
from notify.models import Notification


def unit_b(world: World) -> Any:
    """湾头镇指挥调度中心 with the insider and a second member."""
    from org.models import Unit

    unit = Unit.objects.create(division=world.town_b, name="湾头镇指挥调度中心", kind="command_centre")
    world.insider.unit = unit
    world.insider.save(update_fields=["unit"])
    if "colleague" not in world.users:
        world.user("colleague", world.town_b.code, [Role.TOWN_COMMAND])
    world.users["colleague"].unit = unit
    world.users["colleague"].save(update_fields=["unit"])
    return unit


def notification_for(user: Any, title: str = "事件已派遣给您", kind: str = "dispatched", key: str = "k1") -> Notification:
    """An inbox row made directly (the delivery path is tested in test_notify_delivery.py)."""
    return Notification.objects.create(user=user, recipient=f"user:{user.pk}", division_id=user.division_id,
                                       kind=kind, title=title, body="请及时处置", link="/", key=key)


def notify_and_deliver(*args: Any, **kwargs: Any) -> outbox.DispatchResult:
    """`services.notify(...)` in its own transaction, then one dispatch run."""
    from notify.services import notify

    with transaction.atomic():
        notify(*args, **kwargs)
    return outbox.dispatch_all()
