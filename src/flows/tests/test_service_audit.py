"""Every service write leaves audit records with before and after."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core import audit
from core.models import AuditLog
from flows import services
from flows.tests.helpers import COUNTY, TOWN_A, make_item, setup, template

pytestmark = pytest.mark.django_db


def test_map_and_case_writes_are_audited():
    world, actors = setup()
    item = make_item()
    with audit.acting_as(actors.editor, source="test"):
        pm = services.processmap_import(user=actors.editor, item=item, division_code=COUNTY, xml=template("ten_step"))
        services.processmap_publish(user=actors.editor, process_map=pm)
    created = AuditLog.objects.get(model="flows.ProcessMap", action="create")
    assert created.after["status"] == "draft" and created.actor_name == "t-editor"
    published = AuditLog.objects.get(model="flows.ProcessMap", action="update")
    assert published.before["status"] == "draft" and published.after["status"] == "published"
    with audit.acting_as(actors.handler, source="test"):
        case = services.case_start(user=actors.handler, item=item, division_code=TOWN_A)
        services.case_complete_task(user=actors.handler, case_id=case.pk, task_id=case.ready_tasks[0]["id"],
                                    inputs={"note": "材料齐全"}, comment="同意",
                                    files=[SimpleUploadedFile("证明.pdf", b"%PDF-1.4 test")])
    assert AuditLog.objects.filter(model="flows.Case", action="create", object_id=str(case.pk)).exists()
    update = AuditLog.objects.get(model="flows.Case", action="update", object_id=str(case.pk))
    assert update.before["current_step"] == "步骤1" and update.after["current_step"] == "步骤2"
    assert update.actor_name == "t-handler" and update.division_code == TOWN_A
    step = AuditLog.objects.get(model="flows.CaseStep", action="create")
    assert step.after["inputs"] == {"note": "材料齐全"}
    att = AuditLog.objects.get(model="flows.CaseAttachment", action="create")
    assert att.after["name"] == "证明.pdf"


def test_bulk_starts_are_audited():
    world, actors = setup()
    item = make_item()
    from flows.tests.helpers import publish

    publish(actors, item, template("approval"))
    cases = services.cases_start_bulk(user=actors.handler, item=item, division_code=TOWN_A, count=5)
    assert AuditLog.objects.filter(model="flows.Case", action="create").count() == 5
    assert len({c.number for c in cases}) == 5
