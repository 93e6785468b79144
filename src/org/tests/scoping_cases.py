import datetime as dt

from core.testing.cases import ScopeCase
from org.models import Absence, Post, Staff, Unit, UnitTemplate, UnitTemplateEntry


def make_unit(world):  # noqa: ANN001, ANN201
    return Unit.objects.create(division=world.town_b, name="湾头镇综合执法局", kind="bureau")


def make_staff(world):  # noqa: ANN001, ANN201
    return Staff.objects.create(division=world.town_b, unit=make_unit(world), name="湾头人员", establishment="行政")


def make_post(world):  # noqa: ANN001, ANN201
    staff = make_staff(world)
    return Post.objects.create(division=world.town_b, unit=staff.unit, name="执法岗", holder_a=staff)


def make_absence(world):  # noqa: ANN001, ANN201
    staff = make_staff(world)
    return Absence.objects.create(division=world.town_b, staff=staff, start=dt.date(2026, 1, 5),
                                  end=dt.date(2026, 1, 6), reason="年休假")


def _town_a_unit(world):  # noqa: ANN001, ANN201
    return Unit.objects.get_or_create(division=world.town_a, name="东关街道党政办公室", kind="office")[0]


def check_leadership(world, api, session, insider):  # noqa: ANN001, ANN201
    Staff.objects.create(division=world.town_b, unit=make_unit(world), name="湾头书记", establishment="行政",
                         is_leader=True)
    towns = {r["town"] for r in api.get("/api/org/leadership-checks/").json()["results"]}
    assert world.town_b.code not in towns and world.town_a.code in towns
    assert api.get(f"/api/org/leadership-checks/?town={world.town_b.code}").json()["count"] == 0
    assert world.town_b.code in {r["town"] for r in insider.get("/api/org/leadership-checks/").json()["results"]}


def check_reveal(world, api, session, insider):  # noqa: ANN001, ANN201
    """An outsider asking for another town's staff phone unmasked: 404, and nothing is revealed."""
    from core.models import AuditLog

    staff = make_staff(world)
    Staff.objects.filter(pk=staff.pk).update(phone="13812341234")
    response = api.post(f"/api/org/staff/{staff.pk}/reveal/", {"field": "phone"}, format="json")
    assert response.status_code == 404 and "1234" not in response.content.decode()
    assert not AuditLog.objects.filter(action="reveal").exists()
    assert insider.post(f"/api/org/staff/{staff.pk}/reveal/", {"field": "phone"},
                        format="json").json()["value"] == "13812341234"


CASES = [
    ScopeCase(model=Unit, make=make_unit, api_list="unit-list", api_detail="unit-detail",
              post_payload=lambda w, t: {"division": w.town_b.code, "name": "越权机构", "kind": "bureau"}),
    ScopeCase(model=Staff, make=make_staff, api_list="staff-list", api_detail="staff-detail",
              post_payload=lambda w, t: {"unit": t.unit_id, "name": "越权人员", "establishment": "行政"}),
    ScopeCase(model=Post, make=make_post, api_list="post-list", api_detail="post-detail",
              post_payload=lambda w, t: {"unit": _town_a_unit(w).pk, "name": "越权岗", "holder_a": t.holder_a_id}),
    ScopeCase(model=Absence, make=make_absence, api_list="absence-list", api_detail="absence-detail",
              post_payload=lambda w, t: {"staff": t.staff_id, "start": "2026-02-01", "end": "2026-02-02",
                                         "reason": "越权"}),
]
URL_CASES = {"leadership-checks": check_leadership, "staff-reveal": check_reveal}
EXEMPT_MODELS = {
    UnitTemplate._meta.label: "global template (一办八局…), no division; writable by administrators only",
    UnitTemplateEntry._meta.label: "global template entry, no division; writable by administrators only",
}
EXEMPT_URLS = {
    "unit-template-list": "global template, no division data",
    "unit-template-detail": "global template, no division data",
    "unit-template-entry-list": "global template, no division data",
    "unit-template-entry-detail": "global template, no division data",
}
