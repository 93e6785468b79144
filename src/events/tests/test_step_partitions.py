"""Issue 15 item 3: event steps partitioned by month on PostgreSQL (core/partitions.py,
events/partitions.py). A report's step lands in its month's partition; a month of steps is archived
only past `EVENT_STEP_RETENTION_DAYS` and when none of its events is still open; the archived month
is a pg_dump file that reads back, and the events stay. Skipped on SQLite."""
from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from core import partitions
from core.errors import PlatformError
from core.partitions import Month
from events.models import Event, Step
from events.tests import factory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's")]

TABLE = "events_step"


@pytest.fixture(autouse=True)
def _same_partitions_after() -> Iterator[None]:
    before = {p.name for p in partitions.partitions(TABLE)}
    yield
    with connection.cursor() as cursor:
        for name in {p.name for p in partitions.partitions(TABLE)} - before | set(partitions.detached(TABLE)):
            cursor.execute(f'DROP TABLE IF EXISTS "{name}"')


def _where(step_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM events_step WHERE id = %s", [step_id])
        return str(cursor.fetchone()[0])


def test_steps_are_archived_by_month_only_when_old_enough_and_closed(settings: Any, tmp_path: Path) -> None:
    ew = factory.build()
    event = factory.report(ew)
    step = Step.objects.get(event=event)
    assert _where(step.pk) == partitions.partition_name(TABLE, Month.of(timezone.now()))

    settings.EVENT_STEP_RETENTION_DAYS = 365
    month = Month.of(timezone.now() - dt.timedelta(days=420))
    partitions.ensure(TABLE, ahead=0, now=month.start)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE events_step SET at = %s WHERE id = %s", [month.start + dt.timedelta(days=5), step.pk])
    name = partitions.partition_name(TABLE, month)
    assert _where(step.pk) == name

    with pytest.raises(PlatformError, match="尚未办结"):  # the event is still open
        partitions.archive(TABLE, month, directory=tmp_path)
    assert _where(step.pk) == name, "the refused detach was rolled back"

    young = Month.of(timezone.now() - dt.timedelta(days=200))
    partitions.ensure(TABLE, ahead=0, now=young.start)
    with pytest.raises(PlatformError, match="保存未满 365 天"):
        partitions.archive(TABLE, young, directory=tmp_path)
    settings.EVENT_STEP_RETENTION_DAYS = 100
    with pytest.raises(PlatformError, match="不得少于 365 天"):
        partitions.archive(TABLE, month, directory=tmp_path)
    settings.EVENT_STEP_RETENTION_DAYS = 365

    Event.objects.filter(pk=event.pk).update(state_kind="closed")
    done = partitions.archive(TABLE, month, directory=tmp_path)
    assert (done.partition, done.rows) == (name, 1)
    assert not Step.objects.filter(pk=step.pk).exists() and Event.objects.filter(pk=event.pk).exists()
    listed = subprocess.run(["pg_restore", "--list", str(tmp_path / f"{name}.dump")], capture_output=True,
                            text=True, check=True)
    assert f"TABLE DATA public {name} " in listed.stdout
    assert "FK CONSTRAINT" not in listed.stdout, "the file restores on its own"
