"""The one smoke test that loads the full Yangzhou demo (DESIGN: at most one such test)."""
import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


def _token_client(username: str) -> APIClient:
    client = APIClient()
    token = client.post("/api/auth/token/", {"username": username, "password": "demo12345"}, format="json")
    assert token.status_code == 200, token.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    return client


def test_full_demo_loads_and_answers_as_the_issues_say(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_EVENT_DAYS", "1")  # ./run loads 30 days; one keeps this test fast
    call_command("load_demo")
    city = _token_client("demo-city")
    counts = {lvl: city.get(f"/api/divisions/?level={lvl}&page_size=1").json()["count"]
              for lvl in ("city", "county", "town", "village")}
    assert counts == {"city": 1, "county": 7, "town": 98, "village": 1437}

    town = _token_client("demo-town-321002001")
    assert town.get("/api/divisions/321002001000/").json()["name"] == "东关街道"
    assert town.get("/api/divisions/321002106000/").status_code == 404
    villages = town.get("/api/divisions/?level=village&page_size=2000").json()["results"]
    assert villages and all(v["code"].startswith("321002001") for v in villages)
    assert town.get("/api/org/units/?division=321002106000").json()["count"] == 0

    # Every town has its bodies, posts and a leadership check; people are synthetic.
    checks = city.get("/api/org/leadership-checks/").json()
    assert checks["count"] == 98 and all(c["leaders"] > 0 for c in checks["results"])
    staff = city.get("/api/org/staff/?page_size=5").json()["results"]
    assert staff and all(s["is_synthetic"] for s in staff)
    # Catalog: 713 matters, ≥700 routine items; every routine item has a published county map.
    assert city.get("/api/catalog/matters/?page_size=1").json()["count"] == 713
    from catalog.models import Item
    from flows.models import ProcessMap

    routine = Item.objects.filter(is_routine=True)
    assert routine.count() >= 700
    mapped = set(ProcessMap.objects.filter(status="published").values_list("item_id", flat=True))
    assert set(routine.values_list("id", flat=True)) <= mapped
    answer = town.get("/api/catalog/responsibility/?division=321002001000&matter="
                      + city.get("/api/catalog/matters/?page_size=1").json()["results"][0]["code"])
    assert answer.status_code == 200

    # Grids at Yangzhou's real size; the city sees them all, a town only its own.
    assert city.get("/api/grids/?type=comprehensive&page_size=1").json()["count"] == 5639
    assert city.get("/api/grids/?type=specialised&page_size=1").json()["count"] == 593
    assert city.get("/api/grids/workers/?page_size=1").json()["count"] == 10922
    own = town.get("/api/grids/?page_size=2000").json()["results"]
    assert own and all(g["code"].startswith("321002001") for g in own)
    lng, lat = own[0]["centroid"]
    located = town.get(f"/api/grids/locate/?lat={lat}&lng={lng}").json()
    assert located["inside"] and located["town"]["code"] == "321002001000"
    # Maps that look like Yangzhou (issue 13 item 9): the seats of three counties locate to them, and
    # the city's outline is Yangzhou's (≈ 119.0–119.9 E, 32.2–33.4 N, ~6,600 km²).
    for lat, lng, county in ((32.7810, 119.4440, "高邮市"), (33.2400, 119.3100, "宝应县"), (32.2720, 119.1820, "仪征市")):
        assert city.get(f"/api/grids/locate/?lat={lat}&lng={lng}").json()["county"]["name"] == county
    import shapely

    from grids import geo

    outline = next(f for f in city.get("/api/grids/boundaries/?division=321000000000").json()["features"]
                   if f["properties"]["code"] == "321000000000")
    shape = shapely.geometry.shape(outline["geometry"])
    minx, miny, maxx, maxy = shape.bounds
    assert 119.0 < minx < 119.05 and 119.88 < maxx < 119.95 and 32.2 < miny < 32.25 and 33.4 < maxy < 33.45
    assert 6.0e9 < geo.area_m2(shape) < 7.2e9 and not outline["properties"]["synthetic"]

    for username in ("demo-county-321002", "demo-town-321002106", "demo-reform-321002", "demo-leader-321000",
                     "demo-auditor-321000", "demo-dept-321002", "demo-unit-321002001", "demo-grid-321002001",
                     "demo-handler-321002001"):
        assert _token_client(username).get("/api/auth/me/").status_code == 200

    # Issue 13: every demo role's home shows its own work; the reform office's to-do lists the
    # admission and the return waiting for its review (not "没有办件").
    from django.test import Client

    from accounts.models import User as DemoUser
    from web.views.work import home_figures

    for username in ("demo-town-321002001", "demo-reform-321002", "demo-dept-321002", "demo-grid-321002001",
                     "demo-leader-321000", "demo-county-321002", "demo-city"):
        demo_user = DemoUser.objects.filter(username=username).first()
        if demo_user is None:
            continue
        page = Client()
        page.force_login(demo_user)
        assert page.get("/").status_code == 200 and home_figures(demo_user), username
    reform_page = Client()
    reform_page.force_login(DemoUser.objects.get(username="demo-reform-321002"))
    todo = reform_page.get("/todo/").content.decode()
    assert "共享单车停放秩序管理" in todo and "审核准入申请" in todo and "编办审批" in todo

    # Events: one day generated at Yangzhou's rate, located in real grids, routed, lifecycles that
    # replay through the transition table, and today's open queue; a town sees only its own.
    from events.generator import replay_problems
    from events.models import Event

    kinds = city.get("/api/events/counts/").json()
    assert 1000 < kinds["total"] < 2200 and kinds["open"] and kinds["closed"] and kinds["void"]
    own_events = town.get("/api/events/?page_size=200").json()["results"]
    assert own_events and all(e["town"]["code"] == "321002001000" for e in own_events)
    detail = town.get(f"/api/events/{own_events[0]['id']}/").json()
    assert detail["timeline"][0]["action"] == "report"
    assert replay_problems(Event.objects.order_by("id")[:300]) == []

    # Issue 11: the city leader supervises the towns' cases but takes none of their steps; a
    # town leader still has theirs. A 邗江区 town user's HTML API view offers only its own rows.
    assert _token_client("demo-leader-321000").get("/api/my-tasks/").json()["count"] == 0
    assert _token_client("demo-leader-321002001").get("/api/my-tasks/").json()["count"] > 0
    import re

    from accounts.models import User
    from divisions.models import Division
    from grids.models import Grid, GridWorker

    outsider = User.objects.get(username="demo-town-321003001")
    client = APIClient()
    client.force_authenticate(outsider)
    html = client.get("/api/grids/memberships/?format=api").content.decode()
    for name, model in (("grid", Grid), ("worker", GridWorker)):
        offered = {v for select in re.findall(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
                   for v in re.findall(r'<option value="(\d+)"', select)}
        assert offered <= {str(pk) for pk in model.objects.visible_to(outsider).values_list("pk", flat=True)}

    # The unit the catalog routes 06010 to in 东关街道 has a demo handler, so the main event can be
    # followed to 处置.
    from catalog.selectors import responsibility_for
    from events.models import EventClass

    rubbish = EventClass.objects.select_related("matter").get(code="06010")
    main = responsibility_for("321002001000", rubbish.matter.code).main
    assert main is not None and User.objects.get(username="demo-unit-321002001").unit_id == main.id

    # Assessment (issue 14): seeded indicators and schemes, stored scores, and the leader's dashboard
    # opens on the month with figures; a county's monthly summary has figures in every section.
    from django.utils import timezone

    from assess import reports
    from assess.models import Score
    from assess.periods import period_of

    assert city.get("/api/assess/indicators/?page_size=1").json()["count"] >= 20
    assert city.get("/api/assess/schemes/?page_size=1").json()["count"] >= 4
    this_month = period_of("month", timezone.localdate())
    leader = Client()
    leader.force_login(DemoUser.objects.get(username="demo-leader-321000"))
    dashboard = leader.get("/assess/")
    period = dashboard.context["period"]   # the latest month with scores: this one (last, on the 1st)
    assert period in (this_month, this_month.previous()) and "本期尚无考核得分" not in dashboard.content.decode()
    assert Score.objects.filter(period_kind="month", period_start=period.start, subject_type="town").count() > 50
    data = dashboard.context["data"]
    assert len(data["ranking"]) > 50 and sum(data["grades"]["towns"].values()) == len(data["ranking"])
    assert data["trend"]["close_rate"][-1]["value"] is not None
    assert Score.objects.filter(period_kind="week").exists()   # last week's, for the weekly analysis
    county = Division.objects.get(code="321002000000")
    for name, _header, rows in reports.sections(county, period):
        assert rows, name
        assert all(cell != "（无）" for row in rows for cell in row), name
