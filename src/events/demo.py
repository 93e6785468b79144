"""The events part of the Yangzhou demo: the event class table (the seed, mapped to the demo's matters).

Generated events (a year of lifecycles) come from the generator of issue 8 item 7, which builds
on `events.lifecycle.TABLE`."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from events import classes
from events.models import EventClass


def load(say: Callable[[str], Any]) -> None:
    if EventClass.objects.exists():
        say("事件类别：已存在，跳过")
        return
    result = classes.load_seed(division_code=classes.city_code())
    unmapped = EventClass.objects.filter(matter=None).count()
    say(f"事件类别：{len(result.created)} 个（未对应职责事项 {unmapped} 个，列为分拨缺口）")
