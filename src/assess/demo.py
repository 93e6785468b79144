"""The assessment part of the Yangzhou demo: the seeded indicators and schemes for the city, and
last month's and this month's results (whatever facts the demo holds: cases, patrols, events)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from assess import services
from assess.models import IndicatorVersion
from assess.periods import period_of
from core import audit
from divisions.models import Division


def load(say: Callable[[str], Any]) -> None:
    if IndicatorVersion.objects.exists():
        say("考核指标：已存在，跳过")
        return
    with audit.acting_as(name="load_demo", source="demo"):
        stored = 0
        for city in Division.objects.filter(level="city"):
            services.indicators_seed(city=city)
            this_month = period_of("month", timezone.localdate())
            for period in (this_month.previous(), this_month):
                stored += services.results_compute(division=city, period=period)
    say(f"考核指标：{IndicatorVersion.objects.count()} 个定义版本，计算结果 {stored} 条")
