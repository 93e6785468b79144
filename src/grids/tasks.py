"""Rhythm reports as Huey periodic tasks: weekly analysis on Mondays, monthly summary on the 1st."""
from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from grids import reports


@db_periodic_task(crontab(minute="30", hour="1", day_of_week="1"))
def weekly_grid_reports() -> int:
    return len(reports.weekly_reports(timezone.localdate()))


@db_periodic_task(crontab(minute="0", hour="2", day="1"))
def monthly_grid_reports() -> int:
    return len(reports.monthly_reports(timezone.localdate()))
