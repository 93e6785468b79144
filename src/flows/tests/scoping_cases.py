"""Outsider cases for flows: town A's all-role user gets nothing of town B's maps and cases."""
from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.models import Item
from core.testing.cases import ScopeCase
from core.testing.commit import committed
from core.testing.downloads import check_file_kind
from core.testing.files import tiny_pdf
from flows import services
from flows.models import BpmnDocument, Case, CaseAttachment, CaseStep, LaneMapping, ProcessMap
from flows.templates_dir import template_bytes

B_MAP_NAME = "湾头镇专用流程"


def _item() -> Item:
    return Item.objects.get_or_create(code="SCOPE-ITEM-1", defaults=dict(
        name="越权测试事项", kind="other", legal_basis="测试", department_code="D01"))[0]


def make_map(world):  # noqa: ANN001, ANN201
    pm = services.processmap_import(user=world.insider, item=_item(), division_code=world.town_b.code,
                                    xml=template_bytes("ten_step"), name=B_MAP_NAME)
    return services.processmap_publish(user=world.insider, process_map=pm)


def make_case(world):  # noqa: ANN001, ANN201
    make_map(world)
    return services.case_start(user=world.insider, item=_item(), division_code=world.town_b.code, title="湾头办件")


def make_step(world, files=()):  # noqa: ANN001, ANN201
    case = make_case(world)
    return services.case_complete_task(user=world.insider, case_id=case.pk, task_id=case.ready_tasks[0]["id"],
                                       inputs={"note": "ok"}, files=files)


def make_attachment(world):  # noqa: ANN001, ANN201
    with committed():  # the file is written when the step commits
        step = make_step(world, files=[SimpleUploadedFile("证据.pdf", tiny_pdf("湾头"))])
    return step.attachments.get()


def _map_action(action: str, method: str = "post"):  # noqa: ANN202
    def check(world, api, session, insider):  # noqa: ANN001, ANN202
        pm = make_map(world)
        url = f"/api/process-maps/{pm.pk}/{action}/"
        before = ProcessMap.objects.filter(pk=pm.pk).values().get()
        assert getattr(insider, method)(url, {}, format="json").status_code in (200, 409), "insider reaches it"
        pm2 = ProcessMap.objects.get(pk=pm.pk)
        response = getattr(api, method)(f"/api/process-maps/{pm2.pk}/{action}/", {}, format="json")
        assert response.status_code == 404, response.content
        if action != "retire":
            assert ProcessMap.objects.filter(pk=pm.pk).values().get()["status"] == pm2.status
        del before

    return check


def check_import(world, api, session, insider):  # noqa: ANN001, ANN201
    count = ProcessMap.objects.count()
    response = api.post("/api/process-maps/import/", {"item": _item().code, "division": world.town_b.code,
                                                       "xml": template_bytes("ten_step").decode()}, format="json")
    assert response.status_code == 404 and "error" in response.json()
    assert ProcessMap.objects.count() == count


def _case_action(action: str, method: str):  # noqa: ANN202
    def check(world, api, session, insider):  # noqa: ANN001, ANN202
        case = make_case(world)
        payload = {"task_id": case.ready_tasks[0]["id"], "inputs": {}} if action == "complete" else None
        url = f"/api/cases/{case.pk}/{action}/"
        response = getattr(api, method)(url, payload, format="json") if payload else getattr(api, method)(url)
        assert response.status_code == 404, response.content
        assert CaseStep.objects.filter(case=case).count() == 0
        assert Case.objects.get(pk=case.pk).revision == 0

    return check


def check_my_tasks_api(world, api, session, insider):  # noqa: ANN001, ANN201
    case = make_case(world)
    assert case.pk in {r["id"] for r in insider.get("/api/my-tasks/").json()["results"]}
    assert case.pk not in {r["id"] for r in api.get("/api/my-tasks/").json()["results"]}


def _page_hides_b(path: str, marker: str = "湾头"):  # noqa: ANN202
    def check(world, api, session, insider):  # noqa: ANN001, ANN202
        make_case(world)
        response = session.get(path)
        assert response.status_code == 200
        assert marker not in response.content.decode()

    return check


def check_item_page(world, api, session, insider):  # noqa: ANN001, ANN201
    make_map(world)
    response = session.get(f"/flows/items/{_item().code}/")
    assert response.status_code == 200
    assert "湾头" not in response.content.decode()


CASES = [
    ScopeCase(model=ProcessMap, make=make_map, api_list="process-map-list", api_detail="process-map-detail",
              post_payload=lambda w, t: {"item": t.item.code, "division": w.town_b.code,
                                         "xml": template_bytes("ten_step").decode()},
              pages=["flows:map"]),
    ScopeCase(model=Case, make=make_case, api_list="case-list", api_detail="case-detail", writable=False,
              post_payload=lambda w, t: {"item": t.item.code, "division": w.town_b.code, "title": "越权办件"},
              pages=["flows:case"]),
    ScopeCase(model=CaseStep, make=make_step),
    ScopeCase(model=CaseAttachment, make=make_attachment),
]
URL_CASES = {
    "files:case-attachment": check_file_kind("case-attachment", make_attachment),
    "process-map-import": check_import,
    "process-map-validate": _map_action("validate"),
    "process-map-publish": _map_action("publish"),
    "process-map-retire": _map_action("retire"),
    "process-map-export": _map_action("export", "get"),
    "case-ready": _case_action("ready", "get"),
    "case-history": _case_action("history", "get"),
    "case-complete": _case_action("complete", "post"),
    "my-tasks": check_my_tasks_api,
    "flows:maps": _page_hides_b("/flows/maps/"),
    "flows:cases": _page_hides_b("/flows/cases/"),
    "flows:item": check_item_page,
}
EXEMPT_MODELS = {
    BpmnDocument._meta.label: "content-addressed BPMN bytes shared by maps (templates); reached only through a "
                              "scoped ProcessMap (export is scoped); not registered in the admin or the API",
    LaneMapping._meta.label: "global mapping table (lane name → roles/units), no division; writable by "
                             "platform administrators only",
}
