"""Each foundation service's writes leave audit records with before and after."""
import datetime as dt

import pytest

from accounts.services import user_create
from core import audit, workcal
from core.models import AuditLog
from core.testing.world import build_world
from org import services
from org.models import Post, Unit

pytestmark = pytest.mark.django_db


def _latest(model: str, object_id: object) -> AuditLog:
    return AuditLog.objects.filter(model=model, object_id=str(object_id)).latest("id")


def test_org_services_are_audited_with_the_acting_user() -> None:
    world = build_world()
    actor = world.users["county-user"]
    with audit.acting_as(actor, source="service"):
        units = services.units_provision_town(town=world.town_a)
        dept = Unit.objects.create(division=world.county, name="广陵区公安局", kind="county_department")
        body = services.stationed_body_create(town=world.town_a, name="东关派出所", home_department=dept)
        staff = services.staff_create(unit=units[0], name="孙七", establishment="事业", is_leader=True)
        post = Post.objects.create(division=world.town_a, unit=units[0], name="文秘岗")
        services.post_assign(post=post, holder_a=staff, holder_b=None)
        absence = services.absence_record(staff=staff, start=dt.date(2026, 5, 6), end=dt.date(2026, 5, 7),
                                          reason="培训")
    for model, pk, field, value in [("org.Unit", body.pk, "home_department_id", dept.pk),
                                    ("org.Staff", staff.pk, "is_leader", True),
                                    ("org.Absence", absence.pk, "reason", "培训")]:
        entry = _latest(model, pk)
        assert entry.action == "create" and entry.before is None and entry.after[field] == value
        assert entry.actor_name == "county-user"
    update = _latest("org.Post", post.pk)
    assert update.action == "update" and update.before["holder_a_id"] is None and update.after["holder_a_id"] == staff.pk


def test_account_creation_is_audited_without_the_password() -> None:
    build_world()
    user = user_create(username="new-worker", division_code="321002001001", roles=["grid_worker"],
                       password="Qiong-hua-2026")
    entry = AuditLog.objects.filter(model="accounts.User", object_id=str(user.pk), action="create").latest("id")
    assert entry.after["username"] == "new-worker" and "password" not in entry.after
    assert entry.division_code == "321002001001"


def test_calendar_import_is_audited_and_refuses_bad_rows() -> None:
    with pytest.raises(workcal.CalendarImportError) as err:
        workcal.import_calendar("date,kind,name\n2027-02-30,holiday,春节\n2027-02-10,day-off,春节\n")
    assert err.value.errors == ["第2行: 日期格式错误 '2027-02-30'，应为 YYYY-MM-DD",
                                "第3行: 类型必须是 holiday 或 workday，而不是 'day-off'"]
    assert workcal.is_provisional(2027)
    with audit.acting_as(name="importer", source="import"):
        workcal.import_calendar("date,kind,name\n2027-02-06,holiday,春节\n2027-02-07,workday,春节调休上班\n")
    entry = AuditLog.objects.filter(model="core.CalendarDay", action="create").latest("id")
    assert entry.after["date"] == "2027-02-07" and entry.actor_name == "importer"


def test_an_imported_year_is_used_at_once_and_stops_being_provisional() -> None:
    import datetime as dt

    assert workcal.is_working_day(dt.date(2027, 2, 8))
    workcal.import_calendar("date,kind,name\n2027-02-08,holiday,春节\n")
    assert not workcal.is_provisional(2027)
    assert not workcal.is_working_day(dt.date(2027, 2, 8))
