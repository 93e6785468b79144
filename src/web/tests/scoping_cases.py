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
