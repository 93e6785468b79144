"""Background work: scheduled computations (day, week, month, quarter, year) and reports.

`compute_run` and `report_run` are django.tasks tasks (Huey backend) for on-demand runs and reports; the periodic tasks are
Huey's. A killed worker loses at most a computation, which the next schedule or a new request
repeats: results are append-only and a repeat stores nothing new when nothing changed.
"""
from __future__ import annotations

from django.utils import timezone
from django_tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from assess.choices import PeriodKind


@task()
def compute_run(run_id: int) -> int:
    from assess import services

    return services.run_execute(run_id).stored


@task()
def report_run(report_id: int) -> int:
    """Build an on-demand report (`services.report_request` queues it); returns the row's id."""
    from assess import services

    return services.report_execute(report_id).pk


def compute_scheduled(kind: str) -> int:
    """Every city's last complete period of `kind` (runs only when that period just ended)."""
    from assess import services
    from assess.periods import last_complete
    from divisions.models import Division

    period = last_complete(kind, timezone.localdate())
    stored = 0
    for city in Division.objects.filter(level="city"):
        services.indicators_seed(city=city)
        stored += services.results_compute(division=city, period=period)
    return stored


@db_periodic_task(crontab(minute="10", hour="1"))
def compute_daily() -> int:
    """01:10 every day: yesterday; on Mondays also last week, on the 1st last month (and quarter, year)."""
    today = timezone.localdate()
    stored = compute_scheduled(PeriodKind.DAY)
    if today.weekday() == 0:
        stored += compute_scheduled(PeriodKind.WEEK)
    if today.day == 1:
        stored += compute_scheduled(PeriodKind.MONTH)
        if today.month in (1, 4, 7, 10):
            stored += compute_scheduled(PeriodKind.QUARTER)
        if today.month == 1:
            stored += compute_scheduled(PeriodKind.YEAR)
    return stored


@db_periodic_task(crontab(minute="40", hour="2"))
def scheduled_reports() -> int:
    """02:40: the weekly analysis on Mondays, the monthly summary on the 1st (after the computations)."""
    from assess import reports

    today = timezone.localdate()
    made = 0
    if today.weekday() == 0:
        made += len(reports.reports_for_all("weekly", today))
    if today.day == 1:
        made += len(reports.reports_for_all("monthly", today))
    return made
