"""A case keeps the map version it started on; a town's own map overrides the county's."""
import pytest

from core.errors import Conflict, PlatformError
from flows import services
from flows.models import ProcessMap
from flows.tests.helpers import COUNTY, TOWN_A, make_item, publish, run_to_end, setup, template

pytestmark = pytest.mark.django_db


def test_a_case_on_version_1_keeps_running_on_version_1():
    world, actors = setup()
    item = make_item()
    v1 = publish(actors, item, template("approval"))
    old = services.case_start(user=actors.handler, item=item, division_code=TOWN_A)
    v2 = publish(actors, item, template("inspection"))
    v1.refresh_from_db()
    assert (v1.version, v1.status, v2.version, v2.status) == (1, "retired", 2, "published")
    new = services.case_start(user=actors.handler, item=item, division_code=TOWN_A)
    assert new.process_map_id == v2.pk and new.current_step == "制定检查计划"
    done = run_to_end(actors, old, {"Task_Review": {"review": "pass"}, "Task_Decide": {"decision": "approve"}})
    assert done.process_map_id == v1.pk
    assert list(done.steps.values_list("task_name", flat=True)) == ["受理", "审查", "决定", "送达"]
    assert ProcessMap.objects.filter(item=item, division_id=COUNTY, status="published").count() == 1


def test_town_override_wins_over_the_county_map():
    world, actors = setup()
    item = make_item()
    publish(actors, item, template("approval"))
    own = services.processmap_import(user=actors.town_editor, item=item, division_code=TOWN_A,
                                     xml=template("public_service"))
    services.processmap_publish(user=actors.town_editor, process_map=own)
    case = services.case_start(user=actors.handler, item=item, division_code=TOWN_A)
    assert case.process_map_id == own.pk
    other_town = services.case_start(user=world.users["county-user"], item=item, division_code="321002106000")
    assert other_town.process_map.division_id == COUNTY


def test_publishing_rules():
    world, actors = setup()
    item = make_item()
    pm = publish(actors, item, template("approval"))
    with pytest.raises(Conflict):
        services.processmap_publish(user=actors.editor, process_map=pm)
    with pytest.raises(PlatformError):  # a town cannot publish for its county
        services.processmap_import(user=actors.town_editor, item=item, division_code=COUNTY, xml=template("approval"))
    draft = services.processmap_save(user=actors.editor, process_map=pm, xml=template("penalty"))
    assert draft.pk != pm.pk and draft.status == "draft" and draft.version == 2
    again = services.processmap_save(user=actors.editor, process_map=draft, xml=template("inspection"))
    assert again.pk == draft.pk and again.document.sha256 != pm.document.sha256


def test_no_published_map_means_no_case():
    world, actors = setup()
    item = make_item()
    with pytest.raises(PlatformError) as exc:
        services.case_start(user=actors.handler, item=item, division_code=TOWN_A)
    assert exc.value.code == "no_map"


def test_a_retried_start_never_duplicates():
    world, actors = setup()
    item = make_item()
    publish(actors, item, template("approval"))
    a = services.case_start(user=actors.handler, item=item, division_code=TOWN_A, idempotency_key="phone-123")
    b = services.case_start(user=actors.handler, item=item, division_code=TOWN_A, idempotency_key="phone-123")
    assert a.pk == b.pk
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(actors.handler)
    r1 = client.post("/api/cases/", {"item": item.code, "division": TOWN_A}, format="json", HTTP_IDEMPOTENCY_KEY="k9")
    r2 = client.post("/api/cases/", {"item": item.code, "division": TOWN_A}, format="json", HTTP_IDEMPOTENCY_KEY="k9")
    assert r1.json()["id"] == r2.json()["id"]


def test_open_cases_are_offered_to_the_catalog_return_plan():
    from catalog.hooks import open_work

    world, actors = setup()
    item = make_item()
    publish(actors, item, template("approval"))
    case = services.case_start(user=actors.handler, item=item, division_code=TOWN_A)
    rows = [r for r in open_work(item.code, COUNTY) if r.get("kind") == "case"]
    assert [r["id"] for r in rows] == [case.pk] and rows[0]["current_step"] == "受理"
    assert [r for r in open_work(item.code, "321002106000") if r.get("kind") == "case"] == []
