"""The bulk generator (issue 8 item 7): its lifecycles replay through the transition table with no
illegal step, it is deterministic for a seed, and what it writes looks like what the services write.

A small world (events/tests/factory.py: 东关街道 and 湾头镇 with grids, matters and accounts), never
the full demo. Most classes of the seed map to matters this world lacks; all but one of those are
switched off so the lifecycles reach units, the one left keeps the routing-gap path in the data.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from core.models import AuditLog
from core.workcal import add_working_hours, due_time
from events import generator, lifecycle
from events.choices import CITY_SEVERITIES, Channel, LocationStatus
from events.generator import Generator, Mix
from events.lifecycle import State, StateKind
from events.models import Event, EventClass, EventCounter, Step
from events.tests import factory
from grids import locator

pytestmark = pytest.mark.django_db
TZ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 3, 11, 15, 20, tzinfo=TZ)  # a Wednesday afternoon
# Exceptions far more often than in life, so a few hundred events carry every kind of step.
BUSY = Mix(reject=0.05, withdraw=0.05, merge=0.3, suspend=0.2, return_=0.2, extend=0.25, rework=0.25,
           supervise=0.2, late=0.1)


def _world() -> factory.EventWorld:
    ew = factory.build()
    EventClass.objects.filter(matter__isnull=True).exclude(code="51001").update(is_active=False)
    return ew


def _fingerprint(walks: list[generator.Walk]) -> list[tuple[Any, ...]]:
    out = []
    for w in walks:
        ev = w.event
        out.append((ev.code, ev.event_class_id, ev.channel, ev.client_id, ev.lat, ev.lng, ev.grid_id, ev.division_id,
                    ev.unit_id, ev.level, ev.state, ev.reported_at, ev.due_at, ev.reporter_id, ev.description,
                    tuple((s.action, s.outcome, s.at, s.due_at, s.actor_id, s.actor_name, s.to_state) for s in w.steps)))
    return out


def _plan(seed: int, days: int = 3) -> list[tuple[Any, ...]]:
    gen = Generator(seed=seed, now=NOW, mix=BUSY)
    gen.days = days
    walks = []
    for offset in range(days, -1, -1):
        walks += gen.plan_day(NOW.date() - dt.timedelta(days=offset), 120)
    return _fingerprint(walks)


def test_generated_lifecycles_replay_through_the_transition_table_without_an_illegal_step() -> None:
    ew = _world()
    stats = generator.generate(days=4, rate=150, seed=11, now=NOW, mix=BUSY)
    events = Event.objects.all()
    assert stats.events == events.count() > 400
    assert generator.replay_problems(events) == []
    actions = Counter(Step.objects.values_list("action", "outcome"))
    for needed in [("report", ""), ("accept", ""), ("reject", ""), ("withdraw", ""), ("file", ""), ("dispatch", ""),
                   ("return", ""), ("extend", "requested"), ("extend", "approved"), ("extend", "refused"),
                   ("feedback", ""), ("verify", "failed"), ("verify", "passed"), ("close", ""), ("rate", ""),
                   ("suspend", ""), ("resume", ""), ("supervise", ""), ("merge", "")]:
        assert actions[needed] > 0, f"no {needed} step generated"
    kinds = Counter(events.values_list("state_kind", flat=True))
    assert kinds[StateKind.OPEN] and kinds[StateKind.CLOSED] and kinds[StateKind.VOID]
    # today's open queue: events reported today, still open
    today = events.filter(reported_at__date=NOW.astimezone(dt.UTC).date())
    assert today.filter(state_kind=StateKind.OPEN).exists()
    assert not Step.objects.filter(at__gt=NOW).exists() and not events.filter(reported_at__gt=NOW).exists()
    # 巡办分离 held: no step of the handler's rows was taken by the reporter's account
    handler_actions = {t.action for t in lifecycle.TABLE if lifecycle.Actor.HANDLER in t.actors}
    for step in Step.objects.filter(action__in=handler_actions, actor__isnull=False).select_related("event"):
        assert step.actor_id != step.event.reporter_id
    # the demo's grid worker (a grid head with an account) reported and verified some of them
    worker = ew.users["worker"]
    assert events.filter(reporter=worker).exists()
    assert Step.objects.filter(action="verify", actor=worker).exists() or not events.filter(
        reporter=worker, state__in=[State.VERIFIED, State.CLOSED, State.RATED]).exists()


def test_generated_rows_look_like_what_the_services_write() -> None:
    ew = _world()
    generator.generate(days=3, rate=150, seed=5, now=NOW, mix=BUSY)
    events = list(Event.objects.select_related("event_class").all())
    assert {e.channel for e in events} == set(Channel.values)
    assert all(e.is_synthetic for e in events)
    # points inside real grids: the locator finds each point in the event's own grid
    for ev in events:
        if ev.location_status == LocationStatus.IN_GRID:
            answer = locator.locate(ev.lat, ev.lng)
            assert answer["inside"] and answer["grids"][0]["id"] == ev.grid_id
        else:
            assert ev.location_status == LocationStatus.ADDRESS and ev.grid_id is None and ev.channel == "hotline"
    # the event's deadline is the class's 处置 limit on the working calendar, moved by approved
    # extensions and by the working time spent suspended; the warning mark at 80 % of it
    for ev in events:
        amount, unit = ev.event_class.limit("handle")
        due = due_time(ev.reported_at, amount, unit).due_at
        warn = due_time(ev.reported_at, amount * 0.8, unit).due_at
        for step in Step.objects.filter(event=ev, action__in=["extend", "resume"]).order_by("seq"):
            if step.outcome == "approved":
                granted = step.data["granted"]
                warn = due_time(due, granted["amount"] * 0.8, granted["unit"]).due_at
                due = due_time(due, granted["amount"], granted["unit"]).due_at
            elif step.action == "resume" and step.data["suspended_hours"]:
                due = add_working_hours(due, step.data["suspended_hours"])
                warn = add_working_hours(warn, step.data["suspended_hours"])
        assert abs((ev.due_at - due).total_seconds()) < 1 and abs((ev.warn_at - warn).total_seconds()) < 1
    # routing is the catalog's: 06010 in 东关街道 goes to its 综合执法局, town level
    exposed = [e for e in events if e.event_class.code == "06010" and e.town_id == factory.A
               and e.severity not in CITY_SEVERITIES]  # a reporter may mark one 重大 (→ city)
    assert exposed and all(e.proposed_unit_id == ew.unit_a.pk and e.proposed_level == "town" for e in exposed)
    # codes: county 6 + class 5 + a sequence per county and class, continuing the counter
    coded = [e for e in events if e.code]
    assert all(e.accepted_at is not None for e in coded)
    assert not [e for e in events if e.code is None and e.accepted_at is not None]
    by_key: dict[tuple[str, str], list[int]] = {}
    for e in coded:
        assert e.code[:6] == e.county_id[:6] and e.code[6:11] == e.event_class.code
        by_key.setdefault((e.county_id, e.event_class.code), []).append(int(e.code[11:]))
    for (county, cls), seqs in by_key.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1))
        assert EventCounter.objects.get(division_id=county, class_code=cls).last == len(seqs)
    # merged events point at another event that was open when they joined it
    for ev in [e for e in events if e.state == State.MERGED]:
        target = Event.objects.get(pk=ev.merged_into_id)
        merged_at = ev.steps.get(action="merge").at
        assert target.reported_at < merged_at and target.merged_into_id is None
        left = target.steps.filter(to_state__in=lifecycle.CLOSED_STATES + lifecycle.VOID_STATES).order_by("seq").first()
        assert left is None or left.at > merged_at
    # audited: one summary row per generated day (not one per synthetic row), whose counts add up
    summaries = list(AuditLog.objects.filter(model="events.Event", action="create", object_id__startswith="generated:"))
    assert len(summaries) == 4  # three days before NOW and NOW's own day
    assert not AuditLog.objects.filter(model="events.Step").exists()
    assert sum(a.after["generated"]["events"] for a in summaries) == len(events)
    assert sum(a.after["generated"]["steps"] for a in summaries) == Step.objects.count()
    for a in summaries:
        first, last = a.after["generated"]["event_ids"]
        assert Event.objects.filter(pk__gte=first, pk__lte=last).count() == a.after["generated"]["events"]
        assert a.actor_name == "generate_events" and a.division_code


def test_the_generator_is_deterministic_for_a_seed() -> None:
    _world()
    first, again, other = _plan(seed=3), _plan(seed=3), _plan(seed=4)
    assert len(first) > 300
    assert first == again
    assert first != other


def test_generating_more_continues_the_codes_and_the_command_reports_what_it_wrote(capsys: Any) -> None:
    _world()
    generator.generate(days=1, rate=100, seed=1, now=NOW - dt.timedelta(days=2))
    before = set(Event.objects.exclude(code=None).values_list("code", flat=True))
    call_command("generate_events", "--days", "1", "--rate", "100", "--seed", "2", "--no-progress")
    after = list(Event.objects.exclude(code=None).values_list("code", flat=True))
    assert len(after) == len(set(after)) > len(before)
    assert "事件" in capsys.readouterr().out
    assert generator.replay_problems(Event.objects.all()) == []
    with pytest.raises(CommandError, match="种子"):  # the same seed over the same day: refused, not a traceback
        call_command("generate_events", "--days", "1", "--rate", "100", "--seed", "2", "--no-progress")


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_each_day_is_written_by_a_second_thread_in_order() -> None:
    """`generate_events` and the benchmarks run outside any transaction: day N is written by a
    writer thread (its own connection) while day N+1 is planned; the rows are as complete and
    consistent as when written inline."""
    _world()
    gen = Generator(seed=13, now=NOW, mix=BUSY)
    stats = gen.run(days=3, rate=120)
    assert gen.pipelined
    events = Event.objects.all()
    assert stats.events == events.count() > 300 and stats.steps == Step.objects.count()
    assert generator.replay_problems(events) == []
    merged = events.filter(state=State.MERGED)
    assert merged.exists() and not merged.filter(merged_into=None).exists()
    for counter in EventCounter.objects.all():
        codes = events.filter(county_id=counter.division_id, event_class__code=counter.class_code).exclude(code=None)
        assert codes.count() == counter.last
    assert AuditLog.objects.filter(object_id__startswith="generated:").count() == 4
