"""Who is told what about an event: the outbox handler of kind `events.notify`.

The causing transaction writes one small outbox row — `{"event": id, "seq": n}` for a step (through
`on_step` below), and from the sweep (`services.sweep`) one row per batch: `{"event": first id,
"marks": [mark ids]}` for yellow / red marks, `{"event": first id, "escalated": [escalation ids]}` for
overdue escalations, and `{"event": id, "escalation": id}` for a call escalated. The dispatcher hands
it to `EventNotifyHandler`, which decides the recipients and writes the notifications
(`notify.services.notify_many`, their own outbox rows, in the delivery transaction, keyed by the
causing row's key — plus the event id for a batch — so a repeat adds nothing):

| cause | kind | recipients |
|---|---|---|
| dispatch | dispatched | the handling unit |
| return (退单) | returned | the command centre of the event's level |
| call (乡呼县应) | called | each called county department |
| close | closed | every reporter (the event's and those of events merged into it) |
| escalate (overdue) | escalated | the centre of the new level and the handling unit |
| yellow / red mark | due_soon / overdue | the handling unit and the centre of the event's level |
| call unanswered | escalated | the county centre and the called department |

Centres are the users with the level's command role in the centre's division (town, county or city).
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.utils import timezone

from core.roles import has_role
from events import lifecycle
from events.choices import Level
from events.models import DeadlineMark, Escalation, Event, Mark, Step
from notify.outbox import Handler

STEP_ACTIONS = ("dispatch", "return", "call", "close")


def notifies(event: Event, step: Step) -> bool:
    """Whether `enqueue_for_step` writes for this step (`hooks.on_step`'s `writes`): not for the
    report, so an intake stays one statement."""
    return step.action in STEP_ACTIONS


def enqueue_for_step(event: Event, step: Step) -> None:
    """`hooks.on_step` listener: one outbox row for the steps someone must hear about."""
    if not notifies(event, step):
        return
    from notify import outbox

    outbox.enqueue_many([outbox.Work("events.notify", {"event": event.pk, "seq": step.seq},
                                     f"event:{event.pk}:step:{step.seq}", event.division_id)])


def centre_division(event: Event, level: str) -> str:
    if level == Level.TOWN:
        return event.town_id or event.division_id
    if level == Level.COUNTY:
        return event.county_id or event.division_id[:6] + "000000"
    return event.division_id[:4] + "00000000"


class _Centres:
    """Command-centre users per (division, level), read once per batch."""

    def __init__(self, events: list[Event]) -> None:
        from accounts.models import User

        codes = {centre_division(e, lv) for e in events for lv in Level.values}
        self.by: dict[tuple[str, str], list[Any]] = defaultdict(list)
        for user in User.objects.filter(division_id__in=codes, is_active=True):
            for level, role in lifecycle.CENTRE_ROLE.items():
                if has_role(user, role):
                    self.by[(user.division_id, level)].append(user)

    def of(self, event: Event, level: str) -> list[Any]:
        return self.by.get((centre_division(event, level), level), [])


def _label(event: Event) -> str:
    return event.code or f"#{event.pk}"


class EventNotifyHandler(Handler):
    """Turns an `events.notify` row into notifications (atomic: writes rows only)."""

    def handle(self, payload: dict[str, Any], *, key: str) -> None:
        self.handle_many([(payload, key)])

    def handle_many(self, items: list[tuple[dict[str, Any], str]]) -> None:
        from notify.services import Notice, notify_many
        from org.models import Unit

        marks = DeadlineMark.objects.in_bulk([int(m) for p, _ in items for m in p.get("marks", ())])
        escalations = Escalation.objects.select_related("call_department__unit").in_bulk(
            [int(e) for p, _ in items for e in [*p.get("escalated", ()), *([p["escalation"]] if "escalation" in p
                                                                           else [])]])
        event_ids = {int(p["event"]) for p, _ in items} | {m.event_id for m in marks.values()} | {
            e.event_id for e in escalations.values()}
        events = Event.objects.select_related("unit").in_bulk(event_ids)
        steps = {(s.event_id, s.seq): s for s in Step.objects.filter(
            event_id__in=[int(p["event"]) for p, _ in items if "seq" in p],
            seq__in={int(p["seq"]) for p, _ in items if "seq" in p})}
        centres = _Centres(list(events.values()))
        notices: list[Notice] = []
        for payload, key in items:
            for mark_id in payload.get("marks", ()):
                mark = marks.get(int(mark_id))
                event = events.get(mark.event_id) if mark else None
                if mark is None or event is None:
                    continue
                red = mark.colour == Mark.RED
                who = ([event.unit] if event.unit else []) + centres.of(event, mark.level)
                if who:
                    notices.append(Notice(who, "overdue" if red else "due_soon",
                                          f"事件 {_label(event)} {'已超期' if red else '即将到期（黄牌预警）'}",
                                          f"办结时限 {timezone.localtime(mark.due_at):%Y-%m-%d %H:%M}",
                                          f"/events/{event.pk}/", f"{key}:{event.pk}"))
            for esc_id in payload.get("escalated", ()):
                esc = escalations.get(int(esc_id))
                event = events.get(esc.event_id) if esc else None
                if esc is None or event is None:
                    continue
                who = centres.of(event, esc.to_level) + ([event.unit] if event.unit else [])
                if who:
                    notices.append(Notice(who, "escalated", f"事件 {_label(event)} 超期未办结，已升级到"
                                                            f"{Level(esc.to_level).label}指挥中心",
                                          f"办结时限 {timezone.localtime(esc.due_at):%Y-%m-%d %H:%M}",
                                          f"/events/{event.pk}/", f"{key}:{event.pk}"))
            event = events.get(int(payload["event"]))
            if event is None or "marks" in payload or "escalated" in payload:
                continue
            link, name = f"/events/{event.pk}/", _label(event)
            unit = [event.unit] if event.unit else []
            if "seq" in payload:
                step = steps.get((event.pk, int(payload["seq"])))
                if step is None:
                    continue
                notices.extend(self._for_step(event, step, unit, centres, link, name, key))
            elif "escalation" in payload and int(payload["escalation"]) in escalations:
                esc = escalations[int(payload["escalation"])]
                dept: list[Unit] = [esc.call_department.unit] if esc.call_department else []
                who = centres.of(event, Level.COUNTY) + dept
                if who:
                    notices.append(Notice(who, "escalated", f"事件 {name} 的乡呼县应未按时应答，已升级到县级指挥中心",
                                          f"{dept[0].name if dept else ''}未按时报到或答复", link, key))
        if notices:
            notify_many(notices)

    @staticmethod
    def _for_step(event: Event, step: Step, unit: list[Any], centres: _Centres, link: str, name: str,
                  key: str) -> list[Any]:
        from accounts.models import User
        from events.selectors import reporters_of
        from notify.services import Notice
        from org.models import Unit

        if step.action == "dispatch" and unit:
            return [Notice(unit, "dispatched", f"事件 {name} 已派遣给您", event.description[:200], link, key)]
        if step.action == "return":
            who = centres.of(event, event.level)
            return [Notice(who, "returned", f"事件 {name} 被退单", step.note[:200], link, key)] if who else []
        if step.action == "call":
            ids = [u["id"] for u in (step.data.get("call") or {}).get("units", [])]
            units = list(Unit.objects.filter(pk__in=ids))
            return [Notice(units, "called", f"乡呼县应：事件 {name} 请按时报到并答复", step.note[:200], link, key)] \
                if units else []
        if step.action == "close":
            users = list(User.objects.filter(pk__in=reporters_of(event)))
            return [Notice(users, "closed", f"您上报的事件 {name} 已办结", event.description[:200], link, key)] \
                if users else []
        return []
