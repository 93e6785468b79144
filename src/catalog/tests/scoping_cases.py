"""Outsider cases for the catalog (contract: core/testing/cases.py)."""
import datetime as dt

from django.urls import reverse
from django.utils import timezone

from catalog.models import (
    Admission,
    Assignment,
    ChangeEvidence,
    Item,
    ItemList,
    ListVersion,
    Matter,
    PowerChange,
    Responsibility,
)
from core.testing.cases import ScopeCase
from core.testing.downloads import check_file_kind
from org.models import Unit

B = "321002106000"


def _item(code="T-CF-001", kind="penalty"):  # noqa: ANN001, ANN202
    return Item.objects.get_or_create(code=code, defaults=dict(name=f"测试事项{code}", kind=kind,
                                                               legal_basis="《测试条例》", department_code="cgj"))[0]


def _unit_b(world):  # noqa: ANN001, ANN202
    return Unit.objects.get_or_create(division=world.town_b, name="湾头镇综合执法局", kind="bureau")[0]


def make_list(world):  # noqa: ANN001, ANN201
    county = ItemList.objects.get_or_create(division=world.county, kind="enforcement")[0]
    return ItemList.objects.create(division=world.town_b, kind="enforcement", base=county)


def make_version(world):  # noqa: ANN001, ANN201
    item_list = make_list(world)
    return ListVersion.objects.create(item_list=item_list, number=1, effective_date=dt.date(2026, 1, 1),
                                      source="adopt", reason="湾头镇承接", entries=[])


def make_responsibility(world):  # noqa: ANN001, ANN201
    matter = Matter.objects.get_or_create(code="TM1", defaults=dict(name="测试职责", department_code="cgj"))[0]
    return Responsibility.objects.create(division=world.town_b, matter=matter, main_unit=_unit_b(world))


def _admission(world, county="321002000000"):  # noqa: ANN001, ANN202
    dept = Unit.objects.get_or_create(division_id=county, name=f"{county}城市管理局", kind="county_department",
                                      code=f"{county[:6]}-cgj")[0]
    n = Admission.objects.count() + 1
    return Admission.objects.create(division_id=county, code=f"ZR{county[:6]}-T-{n:04d}", department=dept,
                                    title="湾头镇测试交办", legal_basis="《测试条例》", state="approved")


def make_assignment(world):  # noqa: ANN001, ANN201
    admission = _admission(world)
    return Assignment.objects.create(division=world.town_b, admission=admission, department=admission.department,
                                     title="湾头镇交办任务")


def make_change(world):  # noqa: ANN001, ANN201
    return PowerChange.objects.create(division=world.town_b, kind="return", op="remove", item=_item(),
                                      reason="湾头镇退还", effective_date=timezone.localdate() + dt.timedelta(days=9))


def make_evidence(world):  # noqa: ANN001, ANN201
    """A supporting document of town B's procedure, with its bytes in storage."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    change = make_change(world)
    path = default_storage.save(f"catalog/evidence/{B}/{change.pk}/test-{change.pk}.pdf", ContentFile(b"%PDF-1.4 B"))
    return ChangeEvidence.objects.create(change=change, name="湾头镇花名册.pdf", path=path, size=10, sha256="0" * 64)


def _future():  # noqa: ANN202
    return (timezone.localdate() + dt.timedelta(days=9)).isoformat()


def _detail_action(make, name, method="post", payload=None):  # noqa: ANN001, ANN202
    """An action on one row: the outsider gets 404 and the row does not change."""
    def check(world, api, session, insider):  # noqa: ANN001, ANN202
        from core import audit

        with audit.acting_as(world.insider, source="test"):
            target = make(world)
        url = reverse(name, kwargs={"pk": target.pk})
        before = audit.snapshot(type(target)._base_manager.get(pk=target.pk))
        response = getattr(api, method)(url, payload or {}, format="json") if method == "post" else api.get(url)
        assert response.status_code == 404, (url, response.status_code)
        assert audit.snapshot(type(target)._base_manager.get(pk=target.pk)) == before
        if method == "get":
            assert insider.get(url).status_code == 200
    return check


def check_admissions(world, api, session, insider):  # noqa: ANN001, ANN201
    """Admissions are county rows: an admission of 邗江区 is invisible to a 广陵区 town and its county."""
    other = _admission(world, "321003000000")
    own = _admission(world, "321002000000")
    ids = {r["id"] for r in api.get("/api/catalog/admissions/?page_size=2000").json()["results"]}
    assert other.pk not in ids and own.pk in ids  # a town reads its own county's admissions
    assert api.get(f"/api/catalog/admissions/{other.pk}/").status_code == 404
    assert api.post(f"/api/catalog/admissions/{own.pk}/review/", {"decision": "reject", "reason": "x"},
                    format="json").status_code == 404  # readable from below, never writable
    assert Admission.objects.get(pk=own.pk).state == "approved"
    count = Admission.objects.count()
    r = api.post("/api/catalog/admissions/", {"department": other.department_id, "title": "越权", "legal_basis": "x"},
                 format="json")
    assert 400 <= r.status_code < 500 and Admission.objects.count() == count
    changelist = session.get("/admin/catalog/admission/")
    assert changelist.status_code == 200
    assert other.pk not in {o.pk for o in changelist.context["cl"].queryset}


def check_admission_detail(world, api, session, insider):  # noqa: ANN001, ANN201
    other = _admission(world, "321003000000")
    for method in ("get", "put", "patch", "delete"):
        assert getattr(api, method)(f"/api/catalog/admissions/{other.pk}/").status_code in (404, 405)
    for action in ("review", "resubmit", "withdraw"):
        r = api.post(f"/api/catalog/admissions/{other.pk}/{action}/", {"reason": "x", "decision": "reject"},
                     format="json")
        assert r.status_code == 404, action
    assert Admission.objects.get(pk=other.pk).state == "approved"


def check_responsibility(world, api, session, insider):  # noqa: ANN001, ANN201
    make_responsibility(world)
    assert api.get(f"/api/catalog/responsibility/?division={B}&matter=TM1").status_code == 404
    assert api.get("/api/catalog/responsibility/?division=321002106001&matter=TM1").status_code == 404
    assert insider.get(f"/api/catalog/responsibility/?division={B}&matter=TM1").json()["main"]["name"] == "湾头镇综合执法局"


def check_gaps(world, api, session, insider):  # noqa: ANN001, ANN201
    make_responsibility(world)
    towns = {r["town"] for r in api.get("/api/catalog/gaps/?page_size=2000").json()["results"]}
    assert B not in towns and "321002001000" in towns
    assert api.get(f"/api/catalog/gaps/?town={B}").json()["count"] == 0


def check_handover(world, api, session, insider):  # noqa: ANN001, ANN201
    admission = _admission(world)
    assert api.get(f"/api/catalog/handover-check/?town={B}&admission={admission.code}").status_code == 404
    assert insider.get(f"/api/catalog/handover-check/?town={B}&admission={admission.code}").status_code == 200


def _page_hides_b(path, make):  # noqa: ANN001, ANN202
    """A page of many rows: town B's rows (by name) never show for the outsider."""
    def check(world, api, session, insider):  # noqa: ANN001, ANN202
        from core import audit

        with audit.acting_as(world.insider, source="test"):
            make(world)
        response = session.get(path)
        assert response.status_code == 200, path
        assert "湾头" not in response.content.decode(), path
    return check


def check_page_list_import(world, api, session, insider):  # noqa: ANN001, ANN201
    target = make_list(world)
    count = ListVersion.objects.count()
    response = session.post(reverse("catalog:list-import", kwargs={"pk": target.pk}), {"effective_date": "2026-01-01",
                                                                                        "reason": "越权"})
    assert response.status_code == 404 and ListVersion.objects.count() == count


def check_page_matters(world, api, session, insider):  # noqa: ANN001, ANN201
    make_responsibility(world)
    assert session.get(f"/catalog/matters/?town={B}").status_code == 404
    page = session.get("/catalog/matters/")
    assert page.status_code == 200 and "湾头" not in page.content.decode()


def check_page_responsibility(world, api, session, insider):  # noqa: ANN001, ANN201
    row = make_responsibility(world)
    url = reverse("catalog:responsibility", kwargs={"matter": row.matter.code, "town": B})
    assert insider.get(f"/api/catalog/responsibility/?division={B}&matter=TM1").status_code == 200
    assert session.get(url).status_code == 404
    count = Responsibility.objects.count()
    assert session.post(url, {"main_unit": "", "valid_from": "2030-01-01"}).status_code == 404
    assert Responsibility.objects.count() == count


def check_page_admissions(world, api, session, insider):  # noqa: ANN001, ANN201
    other = _admission(world, "321003000000")
    other.title = "邗江区专属任务"
    other.save()
    assert "邗江区专属任务" not in session.get("/catalog/admissions/").content.decode()
    assert session.get(f"/catalog/admissions/{other.pk}/").status_code == 404
    before = Admission.objects.get(pk=other.pk).state
    session.post(f"/catalog/admissions/{other.pk}/", {"action": "review", "decision": "reject", "reason": "x"})
    assert Admission.objects.get(pk=other.pk).state == before


def check_page_changes_post(world, api, session, insider):  # noqa: ANN001, ANN201
    target = make_change(world)
    count = PowerChange.objects.count()
    r = session.post("/catalog/changes/", {"kind": "return", "division": B, "item": target.item.code,
                                           "reason": "越权", "effective_date": _future()})
    # The town is not among the form's choices: refused beside the field, nothing created.
    assert 400 <= r.status_code < 500 and PowerChange.objects.count() == count
    assert "不在您的管辖范围内" in r.content.decode()
    session.post(f"/catalog/changes/{target.pk}/", {"action": "withdraw", "reason": "越权"})
    assert PowerChange.objects.get(pk=target.pk).state == "submitted"


def make_other_county_admission(world):  # noqa: ANN001, ANN201
    """A county-level row: one of 邗江区, which a 广陵区 town cannot see (the city user can)."""
    return _admission(world, "321003000000")


CASES = [
    ScopeCase(model=Admission, make=make_other_county_admission, api_list="catalog-admission-list",
              api_detail="catalog-admission-detail", writable=False, viewer="city-user",
              post_payload=lambda w, t: {"department": t.department_id, "title": "越权", "legal_basis": "x"}),
    ScopeCase(model=ItemList, make=make_list, api_list="catalog-list-list", api_detail="catalog-list-detail",
              writable=False, pages=["catalog:list", "catalog:list-export"],
              post_payload=lambda w, t: {"division": B, "kind": "approval", "effective_date": "2026-01-01",
                                         "reason": "越权"}),
    ScopeCase(model=ListVersion, make=make_version, api_list="catalog-list-version-list",
              api_detail="catalog-list-version-detail", writable=False),
    ScopeCase(model=Responsibility, make=make_responsibility, api_list="catalog-responsibility-row-list",
              api_detail="catalog-responsibility-row-detail", writable=False,
              post_payload=lambda w, t: {"division": B, "matter": t.matter.code, "main_unit": t.main_unit_id}),
    ScopeCase(model=Assignment, make=make_assignment, api_list="catalog-assignment-list",
              api_detail="catalog-assignment-detail", writable=False,
              post_payload=lambda w, t: {"division": B, "admission": t.admission.code, "title": "越权交办"}),
    ScopeCase(model=ChangeEvidence, make=make_evidence, admin=False),
    ScopeCase(model=PowerChange, make=make_change, api_list="catalog-change-list", api_detail="catalog-change-detail",
              writable=False, pages=["catalog:change"],
              post_payload=lambda w, t: {"kind": "adjustment", "op": "add", "division": B, "item": t.item.code,
                                         "reason": "越权", "effective_date": _future()}),
]

URL_CASES = {
    "catalog-list-versions": _detail_action(make_list, "catalog-list-versions", "get"),
    "catalog-list-export": _detail_action(make_list, "catalog-list-export", "get"),
    "catalog-list-record": _detail_action(make_list, "catalog-list-record", payload={
        "effective_date": "2026-01-01", "reason": "x", "entries": [{"item": "T-CF-001", "op": "add"}]}),
    "catalog-list-import": _detail_action(make_list, "catalog-list-import"),
    "catalog-change-department-opinion": _detail_action(make_change, "catalog-change-department-opinion",
                                                        payload={"agree": True, "opinion": "x"}),
    "catalog-change-decide": _detail_action(make_change, "catalog-change-decide",
                                            payload={"decision": "reject", "reason": "x"}),
    "catalog-change-resubmit": _detail_action(make_change, "catalog-change-resubmit", payload={"reason": "x"}),
    "catalog-change-withdraw": _detail_action(make_change, "catalog-change-withdraw", payload={"reason": "x"}),
    "catalog-change-open-work": _detail_action(make_change, "catalog-change-open-work", "get"),
    "catalog-admission-list": check_admissions,
    "catalog-admission-detail": check_admission_detail,
    "catalog-admission-review": check_admission_detail,
    "catalog-admission-resubmit": check_admission_detail,
    "catalog-admission-withdraw": check_admission_detail,
    "catalog-responsibility": check_responsibility,
    "catalog-gaps": check_gaps,
    "catalog-handover-check": check_handover,
    "catalog:index": _page_hides_b("/catalog/", make_list),
    "catalog:list-import": check_page_list_import,
    "catalog:matters": check_page_matters,
    "catalog:responsibility": check_page_responsibility,
    "catalog:gaps": _page_hides_b("/catalog/gaps/", make_responsibility),
    "catalog:admissions": check_page_admissions,
    "catalog:admission": check_page_admissions,
    "catalog:changes": check_page_changes_post,
    "files:change-evidence": check_file_kind("change-evidence", make_evidence),
}

EXEMPT_MODELS = {
    Item._meta.label: "province guidance catalog: global reference data, read by all, written by administrators",
    Matter._meta.label: "the matter catalogue (713 职责事项) is global reference data; who answers for it in a town "
                        "is Responsibility, which is scoped",
}
EXEMPT_URLS = {
    "catalog-item-list": "global reference data (guidance catalog items)",
    "catalog-item-detail": "global reference data (guidance catalog items)",
    "catalog-matter-list": "global reference data (matter catalogue)",
    "catalog-matter-detail": "global reference data (matter catalogue)",
    "catalog:items": "global reference data (guidance catalog items)",
    "catalog:public-index": "published town lists: public pages without login by design (DESIGN.md §6)",
    "catalog:public-town": "published town list: a public page without login by design (DESIGN.md §6)",
    "catalog:public-town-export": "the published town list as Excel: public by design (DESIGN.md §6)",
}
