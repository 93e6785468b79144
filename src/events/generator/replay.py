"""Replay stored steps through the transition table (the generator's check, and the demo smoke test's)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from events import lifecycle
from events.lifecycle import State
from events.models import Event


def replay_problems(events: Iterable[Event]) -> list[str]:
    """Replay the steps of `events` through the transition table; the problems found (empty: none).

    Checks per event: the first step is the report; each later step is a row of `lifecycle.TABLE`
    from the state before it (`lifecycle.next_state`, suspension tracked), with matching from/to
    states and consecutive `seq`; the event's state, kind and version are those of its last step;
    counters match the steps; and an actor with an account may take the row (`lifecycle.may_take`,
    with the event's level and unit as of that step).
    """
    from types import SimpleNamespace

    from accounts.models import User

    problems: list[str] = []
    users = {u.pk: u for u in User.objects.all()}
    for ev in events:
        steps = list(ev.steps.order_by("seq"))
        if not steps or steps[0].action != "report" or steps[0].to_state != State.REPORTED:
            problems.append(f"{ev.pk}: does not start with the report")
            continue
        state: str = State.REPORTED
        suspended_from: str | None = None
        unit = steps[0].data.get("routing", {}).get("unit")
        called: set[int] = set()
        counts: dict[str, int] = defaultdict(int)
        for expected_seq, step in enumerate(steps, start=1):
            if step.seq != expected_seq:
                problems.append(f"{ev.pk}#{step.seq}: seq out of order")
            if expected_seq == 1:
                continue
            if step.action == "escalate":  # written by the sweep, not a row of the table
                if step.from_state != state or step.to_state != state:
                    problems.append(f"{ev.pk}#{step.seq}: an escalation changed the state")
                continue
            try:
                row = lifecycle.find(state, step.action, step.outcome)
                new = lifecycle.target_of(row, state, suspended_from)
            except lifecycle.IllegalTransition as exc:
                problems.append(f"{ev.pk}#{step.seq}: {exc}")
                break
            if step.from_state != state or step.to_state != new:
                problems.append(f"{ev.pk}#{step.seq}: {step.from_state}→{step.to_state}, table says {state}→{new}")
            if step.action == "dispatch":
                unit = step.data["unit"]["id"]
            if step.action == "call":
                called |= {u["id"] for u in step.data["call"]["units"]}
            actor = users.get(step.actor_id) if step.actor_id else None
            snap = SimpleNamespace(level=step.level, division_id=ev.division_id, unit_id=unit,
                                   reporter_id=ev.reporter_id, called_units=sorted(called))

            if actor is not None and not lifecycle.may_take(row, snap, actor):
                problems.append(f"{ev.pk}#{step.seq}: {actor.username} may not {step.action}")
            if step.action == "answer" and actor is not None:
                called.discard(actor.unit_id)
            if new == State.SUSPENDED:
                suspended_from = state
            elif state == State.SUSPENDED:
                suspended_from = None
            counter = lifecycle.COUNTERS.get((step.action, step.outcome))
            if counter:
                counts[counter] += 1
            state = new
        if (ev.state, ev.state_kind, ev.version) != (state, lifecycle.KIND[state], len(steps)):
            problems.append(f"{ev.pk}: event is {ev.state}/{ev.state_kind}/v{ev.version}, steps end at {state}"
                            f"/v{len(steps)}")
        for counter in set(lifecycle.COUNTERS.values()):
            if getattr(ev, counter) != counts[counter]:
                problems.append(f"{ev.pk}: {counter} {getattr(ev, counter)} but {counts[counter]} steps")
    return problems
