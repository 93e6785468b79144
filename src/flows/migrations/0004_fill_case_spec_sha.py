"""Fill Case.spec_sha for cases started before the field existed (from their map's document)."""
from django.db import migrations


def fill(apps, schema_editor):  # noqa: ANN001, ANN201
    Case = apps.get_model("flows", "Case")
    ProcessMap = apps.get_model("flows", "ProcessMap")
    for pm in ProcessMap.objects.select_related("document").filter(cases__spec_sha="").distinct():
        Case.objects.filter(process_map=pm, spec_sha="").update(spec_sha=pm.document.sha256)


class Migration(migrations.Migration):
    dependencies = [("flows", "0003_case_spec_sha")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
