"""Pages that show many rows: town B's name never appears for the outsider."""
from core.models import AuditLog

B_NAME = "湾头镇"


def _page_hides_b(path):  # noqa: ANN001, ANN202
    def check(world, api, session, insider):  # noqa: ANN001, ANN202
        AuditLog.objects.create(action="create", model="org.Unit", object_id="9", object_repr=f"{B_NAME}机构",
                                division_code=world.town_b.code)
        response = session.get(path)
        assert response.status_code == 200
        assert B_NAME not in response.content.decode()

    return check


def check_tree(world, api, session, insider):  # noqa: ANN001, ANN201
    response = session.get(f"/divisions/?parent={world.county.code}")
    assert B_NAME not in response.content.decode()
    assert "东关街道" in response.content.decode()
    assert B_NAME not in session.get("/divisions/?q=湾头").content.decode()


def check_personal_reveal(world, api, session, insider):  # noqa: ANN001, ANN201
    """Revealing another town's staff phone from a page: 404, no audit row, no digit of it."""
    from org.models import Staff, Unit

    unit = Unit.objects.create(division=world.town_b, name=f"{B_NAME}指挥调度中心", kind="command_centre")
    staff = Staff.objects.create(division=world.town_b, unit=unit, name="湾头人员", establishment="行政",
                                 phone="13812341234")
    response = session.post(f"/personal/org.Staff/{staff.pk}/phone/reveal/")
    assert response.status_code == 404 and "1234" not in response.content.decode()
    assert session.post("/personal/core.AuditLog/1/before/reveal/").status_code == 404
    assert not AuditLog.objects.filter(action="reveal").exists()


URL_CASES = {
    "web:personal-reveal": check_personal_reveal,
    "web:home": _page_hides_b("/"),
    "web:divisions": check_tree,
    "web:leadership": _page_hides_b("/leadership/"),
    "web:audit": _page_hides_b("/audit/"),
}
EXEMPT_URLS = {
    "healthz": "liveness only",
    "readyz": "readiness probe: check names and counts, no business data",
    "web:login": "sign-in form",
    "web:logout": "sign-out",
    "web:calendar": "reference data (the national holiday calendar), the same for every user",
}


def _waiting_in_town_b(world):  # noqa: ANN001, ANN202
    """A return filed by 湾头镇 (town B) waiting for the county: an item of town B's subtree."""
    from catalog.tests.factory import build_catalog

    cat = build_catalog(world)
    import datetime as dt

    from django.utils import timezone

    from catalog import services

    return services.change_file(kind="delegation", town=world.town_b, item=cat.items["CG-CF-003"],
                                reason=f"{B_NAME}赋权", effective_date=timezone.localdate() + dt.timedelta(days=5),
                                user=cat.reform)


def check_todo(world, api, session, insider):  # noqa: ANN001, ANN201
    """Town A's to-do and its subtree view hold nothing of town B's waiting work (the outsider has
    every role, so only scope stops it); the insider's subtree view does list it."""
    from django.test import Client

    change = _waiting_in_town_b(world)
    for path in ("/todo/", "/todo/?view=subtree", "/todo/?kind=catalog.change&view=subtree"):
        response = session.get(path)
        assert response.status_code == 200 and B_NAME not in response.content.decode()
    own = Client()
    own.force_login(world.users["county-user"])
    assert f'value="{change.pk}"' in own.get("/todo/?view=subtree&kind=catalog.change").content.decode()


def check_todo_urge(world, api, session, insider):  # noqa: ANN001, ANN201
    """催办 on town B's item from town A is a 404 exactly like an id that does not exist, and
    writes nothing (no reminder, no notification, no audit row)."""
    from notify.models import OutboxMessage, Reminder

    change = _waiting_in_town_b(world)
    audit_rows = AuditLog.objects.count()
    theirs = session.post("/todo/urge/", {"kind": "catalog.change", "ref": str(change.pk), "note": "x"})
    missing = session.post("/todo/urge/", {"kind": "catalog.change", "ref": "987654", "note": "x"})
    assert theirs.status_code == missing.status_code == 404
    # the same page (its CSRF token aside): the item's title is never named
    assert "页面不存在" in theirs.content.decode() and B_NAME not in theirs.content.decode()
    assert not Reminder.objects.exists() and not OutboxMessage.objects.filter(key__startswith="reminder:").exists()
    assert AuditLog.objects.count() == audit_rows


URL_CASES.update({"web:todo": check_todo, "web:todo-urge": check_todo_urge})
