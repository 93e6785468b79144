"""Writes: send a notification (through the outbox), mark notifications read, urge (催办)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from core import audit, worklist
from core.errors import NotAllowed, NotFound, PlatformError
from core.roles import COMMAND_ROLES, has_role
from notify import outbox, selectors
from notify.choices import NotificationKind
from notify.models import Notification, OutboxMessage, Reminder
from notify.notifiers import Message, enabled_channels


def _recipient(obj: Any) -> tuple[tuple[str, int], str | None]:
    from accounts.models import User
    from org.models import Unit

    if isinstance(obj, User):
        return ("user", obj.pk), obj.division_id
    if isinstance(obj, Unit):
        return ("unit", obj.pk), obj.division_id
    raise TypeError(f"a notification goes to a User or a Unit, not {type(obj).__name__}")


def _common_division(codes: list[str]) -> str | None:
    """The nearest division enclosing every code (12-digit codes; prefixes 9, 6, 4 digits)."""
    if not codes:
        return None
    for length in (12, 9, 6, 4):
        if len({c[:length] for c in codes}) == 1:
            return codes[0][:length].ljust(12, "0")
    return None


@dataclass(frozen=True)
class Notice:
    """One notification to send (the arguments of `notify`, for `notify_many`)."""

    recipients: Sequence[Any]
    kind: str
    title: str
    body: str = ""
    link: str = ""
    key: str = ""


def _work(notice: Notice, channels: list[str]) -> list[outbox.Work]:
    if notice.kind not in NotificationKind.values:
        raise ValueError(f"unknown notification kind {notice.kind!r}")
    if not notice.key:
        raise ValueError("a notification needs a key")
    pairs: dict[tuple[str, int], str | None] = {}
    for obj in notice.recipients:
        pair, division = _recipient(obj)
        pairs[pair] = division
    if not pairs:
        raise ValueError("a notification needs at least one recipient")
    message = Message(recipients=tuple(pairs), kind=notice.kind, title=notice.title, body=notice.body,
                      link=notice.link)
    division = _common_division(sorted(c for c in pairs.values() if c))
    return [outbox.Work("notify.send", {**message.to_payload(), "channel": channel}, f"{notice.key}:{channel}",
                        division) for channel in channels]


def notify_many(notices: Iterable[Notice]) -> int:
    """`notify` for many notifications at once — one bulk insert into the outbox (the path for a
    sweep that escalates thousands of events). Returns the number of outbox rows given."""
    channels = enabled_channels()
    work = [w for notice in notices for w in _work(notice, channels)]
    return outbox.enqueue_many(work)


def notify(recipients: Iterable[Any], kind: str, title: str, body: str = "", link: str = "", *,
           key: str) -> list[OutboxMessage]:
    """Send a notification to users and/or units, through the outbox.

    Call it inside the transaction of the change it reports (an event dispatched, a deadline
    passed…): one outbox row per enabled channel (`notifiers.enabled_channels()`: the inbox, then
    `settings.NOTIFY_CHANNELS`) commits with that change, and the dispatcher delivers each at least
    once. `recipients`: `accounts.User` and `org.Unit` instances (a unit notification lands in the
    unit's shared inbox). `kind`: a `NotificationKind` value. `key`: what makes this notification
    unique (e.g. "event:123:overdue"): notifying twice with the same key sends once. Returns the
    outbox rows. Raises TypeError/ValueError for a programming error (unknown kind, no recipient).
    """
    notice = Notice(list(recipients), kind, title, body, link, key)
    channels = enabled_channels()
    notify_many([notice])
    keys = [f"{key}:{channel}" for channel in channels]
    return sorted(OutboxMessage.objects.filter(key__in=keys), key=lambda row: keys.index(row.key))


def notification_mark_read(*, user: Any, notification_id: int) -> Notification:
    """Mark one notification of the user's inbox (own or their unit's) read; idempotent.

    Raises NotFound (404) for a notification that is not in the user's inbox.
    """
    with transaction.atomic():
        row = selectors.inbox_for(user).select_for_update().filter(pk=notification_id).first()
        if row is None:
            raise NotFound("消息不存在或不属于您")
        if row.read_at is None:
            row.read_at, row.read_by = timezone.now(), user
            row.save(update_fields=["read_at", "read_by"])
    return row


def notifications_mark_all_read(*, user: Any) -> int:
    """Mark every unread notification of the user's inbox read; returns how many changed."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(selectors.inbox_for(user, unread=True).select_for_update())
        if not rows:
            return 0
        Notification.objects.filter(pk__in=[r.pk for r in rows], read_at__isnull=True).update(
            read_at=now, read_by=user)
        audit.record_many((r, "update", {"read_at": None}, {"read_at": now.isoformat(), "read_by_id": user.pk})
                          for r in rows)
    return len(rows)


#: Who may urge (催办): the command centres, each over its own subtree (DESIGN.md §5: 市级统筹、县级统抓、乡级统办).
URGERS = COMMAND_ROLES
NOTE_MAX = 500


def _names(recipients: Iterable[Any]) -> str:
    names = [getattr(r, "display_name", "") or getattr(r, "name", "") or str(r) for r in recipients]
    return "、".join(dict.fromkeys(n for n in names if n))[:500]


def reminder_send(*, user: Any, kind: str, ref: str, note: str = "") -> Reminder:
    """催办: `user` (a command centre) urges whoever holds the waiting item `kind`/`ref`.

    The item is looked up among the waiting work of that kind inside the user's subtree
    (`core.worklist.find`): another town's item, an unknown kind or id and an item no longer
    waiting are all NotFound (404, the same message). NotAllowed (403) for a user without a
    command role; PlatformError (400) for a note over 500 characters. Writes one `Reminder` (audited
    by the signals) and, in the same transaction, one notification (kind 催办) through the
    outbox to the item's recipients (the source's `recipients`: users and/or units).
    Returns the reminder."""
    if not has_role(user, URGERS):
        raise NotAllowed("只有指挥中心可以催办", code="role_required")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise PlatformError(f"催办意见不能超过 {NOTE_MAX} 字", code="note_too_long",
                            fields={"note": [f"不能超过 {NOTE_MAX} 字"]})
    found = worklist.find(user, kind, ref)
    if found is None:
        raise NotFound("待办事项不存在、已办结或不在您的管辖范围内")
    source, row = found
    item = source.item(row)
    recipients = source.recipients(row)
    division = getattr(user, "division", None)
    with transaction.atomic(), audit.acting_as(user, source=audit.current_actor()[2] or "web"):
        reminder = Reminder.objects.create(
            kind=item.kind, ref=item.ref, division_id=item.division, title=item.title[:200], url=item.url,
            note=note, recipients=_names(recipients), urged_by=user,
            urged_by_name=getattr(user, "display_name", "") or user.get_username(),
            urged_from=getattr(division, "name", "") if division is not None else "")
        if recipients:
            who = reminder.urged_from or reminder.urged_by_name
            notify(recipients, NotificationKind.URGED, f"催办：{item.title}"[:200],
                   f"{who}催办（{item.action}）：{note or '请抓紧办理'}", item.url, key=f"reminder:{reminder.pk}")
    return reminder
