"""Generated events at Yangzhou's scale: deterministic from a seed, bulk inserted (issue 8 item 7).

Going through `services.event_report` / `event_act` one request at a time would take most of an
hour for 30 days on SQLite, so the generator does what the services do, in memory, and writes in
bulk — but it decides nothing on its own:

- points are sampled inside the grids of the grid index (`grids.locator.get_index`) and located
  with `routing.locate_point` (the intake's own locating), so they stay inside real grids whatever
  the layout; some hotline calls give an address only (a division, no grid);
- routing is `routing.route` (class → matter → `catalog.selectors.responsibility_for` in the town
  on that day → unit and level), the same proposal the intake makes;
- every step is a row of `events.lifecycle.TABLE`, taken with `lifecycle.find` / `target_of`
  (an illegal step raises `IllegalTransition`), with its effects and counters as in
  `services.EFFECTS` / `lifecycle.COUNTERS`, and its due time from `core.workcal.due_time` by the
  row's `due` rule, as `services._step_due` computes it;
- what a row needs (`lifecycle.NEEDS`) is on the step as the services record it — the reason or note,
  the extension asked for, the rating, the merge target, the departments called — except the
  反馈 photo: no image is made (a file per feedback would be hundreds of thousands of invented
  pictures, and a shared placeholder would pass for evidence it is not), so the step names the need
  it stood in for, `data["generated"] = ["photo"]` (`lifecycle.GENERATED_NEEDS`), which the replay
  accepts on an `is_synthetic` event only and the pages show as no photo;
- actors are real accounts where the world has them (the centre of the event's level, the
  handler of its unit, the reporting grid worker), so a replay can check who acted
  (`events/tests/test_generator.py`); otherwise a named actor without an account;
- event codes are the model's: county 6 + class 5 + the 6-digit sequence per county and class,
  assigned at 受理, continuing `EventCounter`;
- events, steps, town calls, escalations, marks and counters go in one transaction per day
  (`write.py`: COPY on PostgreSQL, executemany on SQLite, ids allocated first), with **one audit
  summary row per generated day** — counts, id range, seed — instead of one row per synthetic
  event and step (see `write.py` for why).

Modules: `world.py` (what is read once: classes, grid index, accounts, counters), `walk.py` (one
event's lifecycle through the table), `plan.py` (a day's events and the lifecycle each walks),
`write.py` (the bulk writer), `replay.py` (`replay_problems`). Speed (`bench/cases/generate.py`):
planning costs about 0.1–0.2 ms of CPU an event and writing less; see bench/README.md.

Shape of the data (per day, `rate` events on average; weekly rhythm `WEEKDAY`, daily rhythm
`HOURLY`): channels by `CHANNELS`, classes by `MAJOR_WEIGHT` (every active class appears, in
proportion), and lifecycles with the exceptions at the rates of `Mix`: 不予受理, 撤销, 合并 (into an
open event of the same class in the same town reported within the day before), 挂起/恢复, 退单 (then
re-dispatched, to a cooperating unit where there is one), 延期 (approved or refused), 返工 (a failed
核查), 督办 and 评价. Steps that would fall after `now` are not taken, so the last days end in
today's open queue.

Part 2 rows on top of the walk, as the deadline sweep (`services.sweep`, every minute) and the
乡呼县应 services would have written them: an open, not suspended town or county event whose
`escalate_at` has passed is escalated one level up a minute later (an `escalate` step, an
`Escalation` row; the county gets the class's 处置 limit again, the city is the top; later centre
steps are taken by the new level's centre); yellow / red `DeadlineMark` rows for events still open
at their warning point / after their deadline; and a small share of dispatched town events call
(吹哨) one or two county departments of their county (`Mix.call`), who report in and answer in
time — except `Mix.call_missed` of them, whose call the sweep escalates to the county centre.
Most events are on time; the late ones (`Mix.late`, a few per cent) are the overdue and escalated.

Determinism: one `random.Random` per day, seeded from (`seed`, the date); the world is read in a
fixed order. The same seed, `now` and world give the same rows (primary keys aside).
"""
from __future__ import annotations

import datetime as dt
import math
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, connections, transaction
from django.utils import timezone

from core import audit
from core.workcal import TZ
from events.generator.plan import DEFAULT_RATE, Mix, Planner
from events.generator.replay import replay_problems
from events.generator.walk import PlannedStep, Walk
from events.generator.world import Actor, World
from events.generator.write import write_day


@dataclass
class Stats:
    events: int = 0
    steps: int = 0
    audit_rows: int = 0
    seconds: float = 0.0
    parts: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # seconds: plan, insert, audit
    by_state: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    by_action: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def rate(self) -> float:
        """Events generated per second (`generate.rate`)."""
        return self.events / self.seconds if self.seconds else 0.0


class Generator(Planner):
    """`Generator(seed=…, now=…).run(days=…, rate=…)`: plans each day (`Planner.plan_day`) and
    writes it (`write.write_day`) in its own transaction.

    Outside a transaction the writing of day N runs in a second thread (its own database
    connection) while day N+1 is planned: the database works while Python plans, which is most
    of the gain on a server (`pipelined`). Inside the caller's transaction (the demo's all or
    nothing, the tests) every day is written in that transaction, in order, by the caller's thread.
    """

    def __init__(self, *, seed: int = 1, now: dt.datetime | None = None, mix: Mix | None = None,
                 progress: Callable[[int], Any] | None = None) -> None:
        super().__init__(seed=seed, now=now, mix=mix)
        self.progress = progress
        self.stats = Stats()
        self.pipelined = False

    def run(self, *, days: int, rate: float = DEFAULT_RATE) -> Stats:
        """Generate `days` days of events ending at `now` (about `rate` a day) and write them."""
        self.days = days
        started = time.perf_counter()
        last = timezone.localtime(self.now, TZ).date()
        dates = [last - dt.timedelta(days=offset) for offset in range(days, -1, -1)]
        self.pipelined = not connection.in_atomic_block
        if not self.pipelined:
            for day in dates:
                self._write(day, self._plan(day, rate), dict(self.world.counters))
        else:
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="generate-write") as pool:
                pending: Future[None] | None = None
                try:
                    for day in dates:
                        walks = self._plan(day, rate)
                        counters = dict(self.world.counters)  # as of this day's plan, not the next one's
                        if pending is not None:
                            pending.result()  # days are written in order, one behind the plan
                        pending = pool.submit(self._write, day, walks, counters)
                    if pending is not None:
                        pending.result()
                finally:
                    pool.submit(connections.close_all).result()  # the writer thread's own connection
        self.stats.seconds = time.perf_counter() - started
        return self.stats

    def _plan(self, day: dt.date, rate: float) -> list[Walk]:
        t0 = time.perf_counter()
        walks = self.plan_day(day, rate)
        self.stats.parts["plan"] += time.perf_counter() - t0
        return walks

    def _write(self, day: dt.date, walks: list[Walk], counters: dict[tuple[str, str], int]) -> None:
        if not walks:
            return
        t0 = time.perf_counter()
        with transaction.atomic(), audit.acting_as(name="generate_events", source="import"):
            counts = write_day(walks, self.world, day=day, seed=self.seed, counters=counters)
        self.stats.parts["insert"] += time.perf_counter() - t0
        self.stats.audit_rows += 1
        for w in walks:
            self.stats.by_state[w.state] += 1
            for s in w.steps:
                self.stats.by_action[s.action if not s.outcome else f"{s.action}/{s.outcome}"] += 1
            for m in w.marks():
                self.stats.by_action[f"mark/{m.colour}"] += 1
            for e in w.escalations:
                self.stats.by_action[f"escalation/{e.cause}/{e.to_level}"] += 1
        self.stats.events += counts["events"]
        self.stats.steps += counts["steps"]
        if self.progress:
            self.progress(counts["events"])


def generate(*, days: int, rate: float = DEFAULT_RATE, seed: int = 1, now: dt.datetime | None = None,
             mix: Mix | None = None, progress: Callable[[int], Any] | None = None) -> Stats:
    """Generate and write `days` days of events ending at `now` (default: now); see the module docstring."""
    return Generator(seed=seed, now=now, mix=mix, progress=progress).run(days=days, rate=rate)


def expected(days: int, rate: float) -> int:
    """About how many events `generate` writes (for a progress bar's total)."""
    return math.ceil(days * rate)


__all__ = ["DEFAULT_RATE", "Actor", "Generator", "Mix", "PlannedStep", "Planner", "Stats", "Walk", "World", "expected",
           "generate", "replay_problems"]
