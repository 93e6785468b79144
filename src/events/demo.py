"""The events part of the Yangzhou demo: the event class table (the seed, mapped to the demo's
matters), then generated events — 30 days ending now by default, at Yangzhou's rate, through
`events.generator` (full lifecycles through the transition table, today's open queue).

`DEMO_EVENT_DAYS` sets how many days are generated (the smoke test loads one; 0 loads none).
Each part skips itself when its data exists."""
from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from django.db import transaction
from tqdm import tqdm

from events import classes, generator, lifecycle
from events.models import Event, EventClass

DAYS_ENV = "DEMO_EVENT_DAYS"
DEFAULT_DAYS = 30
SEED = 2026


def load(say: Callable[[str], Any]) -> None:
    _load_classes(say)
    _load_events(say)


def _load_classes(say: Callable[[str], Any]) -> None:
    if EventClass.objects.exists():
        say("事件类别：已存在，跳过")
        return
    result = classes.load_seed(division_code=classes.city_code())
    unmapped = EventClass.objects.filter(matter=None).count()
    say(f"事件类别：{len(result.created)} 个（未对应职责事项 {unmapped} 个，列为分拨缺口）")


def demo_days() -> int:
    """Days of generated events for the demo (`DEMO_EVENT_DAYS`, default 30)."""
    value = os.environ.get(DAYS_ENV, "").strip()
    return int(value) if value else DEFAULT_DAYS


def _load_events(say: Callable[[str], Any]) -> None:
    if Event.objects.filter(is_synthetic=True).exists():
        say("事件：已存在，跳过")
        return
    days = demo_days()
    if days <= 0:
        say(f"事件：{DAYS_ENV}={days}，不生成")
        return
    bar = tqdm(total=generator.expected(days, generator.DEFAULT_RATE), unit="事件", desc="生成事件", leave=False)
    try:
        with transaction.atomic():  # all or nothing: a start interrupted midway generates again next time
            stats = generator.generate(days=days, seed=SEED, progress=bar.update)
    finally:
        bar.close()
    states = stats.by_state
    open_now = sum(n for s, n in states.items() if s in lifecycle.OPEN_STATES)
    say(f"事件：近 {days} 天 {stats.events} 件（合成；在办 {open_now} 件），步骤 {stats.steps} 条，"
        f"用时 {stats.seconds:.1f}s（{stats.rate:.0f} 件/秒）")
