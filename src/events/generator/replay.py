"""Replay stored steps through the transition table (the generator's check, and the demo smoke test's)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from events import lifecycle
from events.lifecycle import State
from events.models import Event, EventPhoto, Step

# How a stored step shows it had what its row needs (`lifecycle.NEEDS`), as `services.event_act` records
# it: the reason or note is the step's note, the rest are in `data` or are photo rows of the step.
RECORDED: dict[str, Callable[[Step, bool], bool]] = {
    "reason": lambda step, photo: bool(step.note.strip() or str(step.data.get("reason", "")).strip()),
    "note": lambda step, photo: bool(step.note.strip()),
    "photo": lambda step, photo: photo,
    "until": lambda step, photo: bool(step.data.get("requested")),
    "rating": lambda step, photo: step.data.get("rating") in (1, 2, 3, 4, 5),
    "into": lambda step, photo: bool((step.data.get("into") or {}).get("id")),
    "units": lambda step, photo: bool((step.data.get("call") or {}).get("units")),
}


def _missing_needs(ev: Event, step: Step, row: lifecycle.Transition, photo_steps: set[int]) -> list[str]:
    """The needs of `row` the stored step does not show; a generated need (`lifecycle.GENERATED_NEEDS`,
    named in `data["generated"]`) counts only on a synthetic event."""
    stood_in = set(step.data.get("generated") or ()) & set(lifecycle.GENERATED_NEEDS) if ev.is_synthetic else set()
    return [n for n in row.needs if n not in stood_in and not RECORDED[n](step, step.pk in photo_steps)]


def replay_problems(events: Iterable[Event]) -> list[str]:
    """Replay the steps of `events` through the transition table; the problems found (empty: none).

    Checks per event: the first step is the report; each later step is a row of `lifecycle.TABLE`
    from the state before it (`lifecycle.next_state`, suspension tracked), with matching from/to
    states and consecutive `seq`; the event's state, kind and version are those of its last step;
    counters match the steps; an actor with an account may take the row (`lifecycle.may_take`,
    with the event's level and unit as of that step); and the step shows what the row needs
    (`RECORDED`; a photo is a photo row of the step, or on a synthetic event the generator's
    `data["generated"]` marker).
    """
    from types import SimpleNamespace

    from accounts.models import User

    problems: list[str] = []
    users = {u.pk: u for u in User.objects.all()}
    events = list(events)
    ids = [e.pk for e in events]
    photo_steps: set[int] = set()
    for i in range(0, len(ids), 500):
        photo_steps.update(EventPhoto.objects.filter(event__in=ids[i:i + 500], step__isnull=False)
                           .values_list("step_id", flat=True))
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
            missing = _missing_needs(ev, step, row, photo_steps)
            if missing:
                problems.append(f"{ev.pk}#{step.seq}: {step.action} without {', '.join(missing)}")
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
