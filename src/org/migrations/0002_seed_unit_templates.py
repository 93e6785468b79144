"""Seed the editable unit templates (一办八局, 一办七局, 开发区) from org/data/unit_templates.csv."""
import csv
from pathlib import Path

from django.db import migrations

SEED = Path(__file__).resolve().parent.parent / "data" / "unit_templates.csv"


def seed(apps, schema_editor):  # noqa: ANN001, ANN201
    UnitTemplate = apps.get_model("org", "UnitTemplate")
    Entry = apps.get_model("org", "UnitTemplateEntry")
    for row in csv.DictReader(SEED.open(encoding="utf-8")):
        template, _ = UnitTemplate.objects.get_or_create(applies_to=row["applies_to"],
                                                         defaults={"name": row["template"]})
        Entry.objects.get_or_create(template=template, name=row["name"],
                                    defaults={"kind": row["kind"], "order": int(row["order"])})


def unseed(apps, schema_editor):  # noqa: ANN001, ANN201
    apps.get_model("org", "UnitTemplate").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial"), ("core", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
