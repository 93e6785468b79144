"""services.notify → outbox → inbox (and gateways): each recipient gets it once, whatever repeats."""
from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings

from core.models import AuditLog
from core.testing.world import build_world
from notify import outbox
from notify.choices import OutboxStatus
from notify.models import Contact, Notification, OutboxMessage
from notify.notifiers import InboxNotifier, Message, notifier_for
from notify.services import notify
from notify.tests.fixtures import notify_and_deliver, unit_b
from notify.transports import RecordingTransport

pytestmark = pytest.mark.django_db


def test_notification_reaches_the_user_and_the_unit_inbox_once() -> None:
    world = build_world()
    unit = unit_b(world)
    result = notify_and_deliver([world.users["county-user"], unit], "escalated", "事件已升级至县级",
                                "湾头镇 06010 暴露垃圾超期未处置", "/events/1/", key="event:1:escalated")
    assert len(result.delivered) == 1
    rows = Notification.objects.order_by("recipient")
    assert [(r.recipient, r.division_id, r.kind, r.title, r.link) for r in rows] == [
        (f"unit:{unit.pk}", "321002106000", "escalated", "事件已升级至县级", "/events/1/"),
        (f"user:{world.users['county-user'].pk}", "321002000000", "escalated", "事件已升级至县级", "/events/1/"),
    ]
    # the outbox row is scoped to the nearest division enclosing both recipients
    assert OutboxMessage.objects.get().division_id == "321002000000"
    assert AuditLog.objects.filter(model="notify.Notification", action="create").count() == 2


def test_same_key_notifies_once() -> None:
    world = build_world()
    for _ in range(2):
        notify_and_deliver([world.insider], "overdue", "事件已超期", key="event:7:overdue")
    assert Notification.objects.count() == 1 and OutboxMessage.objects.count() == 1


def test_a_repeated_delivery_adds_nothing() -> None:
    """At least once: the same outbox row handled twice (say, after a lost lease) is harmless."""
    world = build_world()
    unit = unit_b(world)
    message = Message(recipients=(("user", world.insider.pk), ("unit", unit.pk)), kind="called",
                      title="乡呼县应", body="", link="")
    InboxNotifier().send(message, key="call:3:inbox")
    InboxNotifier().send(message, key="call:3:inbox")
    assert Notification.objects.count() == 2


def test_notify_without_a_commit_sends_nothing() -> None:
    world = build_world()
    with pytest.raises(RuntimeError), transaction.atomic():
        notify([world.insider], "returned", "事件被退单", key="event:9:returned")
        raise RuntimeError("the change that caused it failed")
    assert outbox.dispatch_all().claimed == 0
    assert not Notification.objects.exists()


def test_programming_errors_are_refused() -> None:
    world = build_world()
    with pytest.raises(ValueError):
        notify([world.insider], "not-a-kind", "x", key="k")
    with pytest.raises(ValueError):
        notify([], "overdue", "x", key="k")
    with pytest.raises(TypeError):
        notify([world.town_b], "overdue", "x", key="k")


@override_settings(NOTIFY_CHANNELS=["sms", "wecom"])
def test_gateways_send_to_recorded_addresses_through_the_test_transport() -> None:
    world = build_world()
    unit = unit_b(world)
    Contact.objects.create(user=world.users["colleague"], channel="sms", address="13800000002")
    Contact.objects.create(user=world.insider, channel="sms", address="13800000001")
    Contact.objects.create(user=world.insider, channel="wecom", address="wantou.zhang")
    Contact.objects.create(user=world.users["county-user"], channel="sms", address="13900000009")  # not addressed
    RecordingTransport.sent.clear()
    result = notify_and_deliver([unit], "due_soon", "事件即将到期", "还剩 1 工作小时", "/events/5/",
                                key="event:5:due_soon")
    assert len(result.delivered) == 3, "inbox, sms and wecom rows"
    sent = sorted(RecordingTransport.sent, key=lambda r: r["channel"])
    assert [(r["channel"], r["to"], r["text"], r["key"]) for r in sent] == [
        ("sms", ["13800000001", "13800000002"], "事件即将到期：还剩 1 工作小时", "event:5:due_soon:sms"),
        ("wecom", ["wantou.zhang"], "事件即将到期：还剩 1 工作小时", "event:5:due_soon:wecom"),
    ]
    assert Notification.objects.filter(unit=unit).count() == 1


@override_settings(NOTIFY_CHANNELS=["sms"])
def test_recipients_without_an_address_get_only_the_inbox() -> None:
    world = build_world()
    RecordingTransport.sent.clear()
    result = notify_and_deliver([world.insider], "overdue", "事件已超期", key="event:8:overdue")
    assert len(result.delivered) == 2 and RecordingTransport.sent == []
    assert Notification.objects.count() == 1


class BrokenTransport(RecordingTransport):
    def send(self, **kwargs: object) -> None:
        raise ConnectionError("短信网关无响应")


@override_settings(NOTIFY_CHANNELS=["sms"], NOTIFY_TRANSPORTS={"sms": "notify.tests.test_notify_delivery.BrokenTransport"})
def test_a_failing_gateway_is_retried_on_its_own_and_the_inbox_is_not_held_back() -> None:
    world = build_world()
    Contact.objects.create(user=world.insider, channel="sms", address="13800000001")
    result = notify_and_deliver([world.insider], "overdue", "事件已超期", key="event:4:overdue")
    assert len(result.delivered) == 1 and len(result.failed) == 1
    sms = OutboxMessage.objects.get(key="event:4:overdue:sms")
    assert sms.status == OutboxStatus.PENDING and "短信网关无响应" in sms.last_error and sms.attempts == 1
    assert Notification.objects.count() == 1


def test_notifier_registry_is_lazy_and_extensible() -> None:
    assert isinstance(notifier_for("inbox"), InboxNotifier)
    assert notifier_for("sms").atomic is False and notifier_for("inbox").atomic is True
    with override_settings(NOTIFY_NOTIFIERS={"fax": "notify.notifiers.SmsNotifier"}):
        assert notifier_for("fax").channel == "sms"
    with pytest.raises(LookupError):
        notifier_for("pigeon")


def test_notify_many_is_one_insert_and_a_batch_is_delivered_in_a_few_queries() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notify.services import Notice, notify_many

    world = build_world()
    unit = unit_b(world)
    notices = [Notice([world.insider, unit], "overdue", f"事件 {n} 已超期", link=f"/events/{n}/", key=f"event:{n}:overdue")
               for n in range(60)]
    with CaptureQueriesContext(connection) as enqueue_queries, transaction.atomic():
        assert notify_many(notices) == 60
    assert len([q for q in enqueue_queries.captured_queries if "INSERT" in q["sql"]]) == 1
    with CaptureQueriesContext(connection) as dispatch_queries:
        result = outbox.dispatch()
    assert len(result.delivered) == 60
    assert len(dispatch_queries.captured_queries) < 20, "batch delivery does not grow with the rows"
    assert Notification.objects.count() == 120
    assert notify_many(notices) == 60 and outbox.dispatch().claimed == 0, "the same keys add nothing"
