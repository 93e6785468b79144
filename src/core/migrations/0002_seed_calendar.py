"""Seed the working calendar with the State Council's published years (core/data/calendar_cn.csv)."""
import csv
import datetime as dt
from pathlib import Path

from django.db import migrations

SEED = Path(__file__).resolve().parent.parent / "data" / "calendar_cn.csv"


def seed(apps, schema_editor):  # noqa: ANN001, ANN201
    CalendarDay = apps.get_model("core", "CalendarDay")
    CalendarYear = apps.get_model("core", "CalendarYear")
    rows = list(csv.DictReader(SEED.open(encoding="utf-8")))
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=dt.date.fromisoformat(r["date"]), kind=r["kind"], name=r["name"]) for r in rows],
        ignore_conflicts=True,
    )
    for year in sorted({r["date"][:4] for r in rows}):
        CalendarYear.objects.get_or_create(year=int(year), defaults={"source": "国务院办公厅节假日安排通知"})


def unseed(apps, schema_editor):  # noqa: ANN001, ANN201
    apps.get_model("core", "CalendarDay").objects.all().delete()
    apps.get_model("core", "CalendarYear").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
