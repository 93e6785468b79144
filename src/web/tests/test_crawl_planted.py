"""Issue 11 acceptance: unique strings planted in other towns' operational rows (staff, units,
posts, absences, grids, workers, patrols, findings, reports, cases, admissions, assignments, power
changes, events, notifications — and their audit rows) never reach a town user of 邗江区 蒋王街道 (the test
world's twin of `demo-town-321003001`), on any page or API response they can request.

The crawl is enumerated, not listed: every GET route of the URL resolver without arguments
(pages and API), every router list as JSON and as the browsable HTML view (`?format=api`, with
its filter and POST forms), every router route on one row for the rows the user's own lists
return (retrieve and each GET action, e.g. export, history, team), every page of a model's
outsider case for the user's own rows, the navigation, and the admin (changelist, add and change
page of every registered model). Spreadsheets are opened and read cell by cell. Public pages of
published lists are reference data and exempt (DESIGN.md §6).
"""
from __future__ import annotations

import datetime as dt
import io
import uuid
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from core import audit
from core.testing.routes import Route, all_routes, router_detail_routes, router_list_routes
from core.testing.world import ALL_ROLES, World, build_world

pytestmark = pytest.mark.django_db

TOWN_C = "321003001000"
EXEMPT_PREFIXES = ("public/", "healthz", "i18n/", "accounts/logout", "logout", "api/auth/logout")


def _token(kind: str) -> str:
    return f"PLANT{kind.upper()}{uuid.uuid4().hex[:10].upper()}"


class Plants:
    """Other towns' rows, each carrying a unique string; the crawler must find none of them."""

    def __init__(self) -> None:
        self.strings: dict[str, str] = {}

    def __call__(self, kind: str) -> str:
        self.strings[kind] = _token(kind)
        return self.strings[kind]


def _plant(world: World) -> Plants:
    from catalog.models import Admission, Assignment, Item, ItemList, ListVersion, PowerChange
    from flows import services as flows
    from flows.templates_dir import template_bytes
    from grids.models import Finding, Grid, GridMembership, GridReport, GridWorker, Patrol, PatrolPoint
    from grids.tests import fixtures
    from notify.models import Notification
    from org.models import Absence, Post, Staff, Unit

    p = Plants()
    b, b_village = "321002106000", "321002106001"
    unit = Unit.objects.create(division_id=b, name=p("unit"), kind="bureau")
    staff = Staff.objects.create(division_id=b, unit=unit, name=p("staff"), establishment="行政", title=p("title"))
    Post.objects.create(division_id=b, unit=unit, name=p("post"), holder_a=staff)
    Absence.objects.create(division_id=b, staff=staff, start=dt.date(2026, 1, 5), end=dt.date(2026, 1, 6),
                           reason=p("absence"))
    grid = fixtures.grid_in(b)
    Grid.objects.filter(pk=grid.pk).update(name=p("grid"))
    for other in Grid.objects.filter(division__code__startswith=b[:9]):
        p.strings[f"grid-code-{other.code}"] = other.code
    worker = GridWorker.objects.create(division_id=b_village, name=p("worker"), phone="13900001111")
    GridMembership.objects.create(grid=grid, worker=worker, role="head")
    patrol = Patrol.objects.create(worker=worker, division_id=b_village, grid=grid, started_at=timezone.now(),
                                   status="ended", grids_covered=[grid.code])
    PatrolPoint.objects.create(patrol=patrol, seq=0, lng=grid.centroid_lng, lat=grid.centroid_lat, t=timezone.now())
    Finding.objects.create(patrol=patrol, grid=grid, category="safety", description=p("finding"),
                           lng=grid.centroid_lng, lat=grid.centroid_lat, found_at=timezone.now())
    GridReport.objects.create(kind="monthly", division_id=b, period_start=dt.date(2026, 2, 1),
                              period_end=dt.date(2026, 2, 28), title=p("report"))
    item = Item.objects.create(code="CRAWL-1", name="爬取测试事项", kind="other", legal_basis="测试",
                               department_code="D01")
    pm = flows.processmap_import(user=world.insider, item=item, division_code=b, xml=template_bytes("ten_step"),
                                 name=p("map"))
    flows.processmap_publish(user=world.insider, process_map=pm)
    case = flows.case_start(user=world.insider, item=item, division_code=b, title=p("case"),
                            applicant=p("applicant"))
    flows.case_complete_task(user=world.insider, case_id=case.pk, task_id=case.ready_tasks[0]["id"],
                             inputs={"note": "ok"}, comment=p("comment"))
    dept = Unit.objects.create(division_id="321002000000", name="广陵区城市管理局", kind="county_department")
    admission = Admission.objects.create(division_id="321002000000", code="ZR321002-2026-0001", department=dept,
                                         title=p("admission"), legal_basis="《测试条例》", state="approved")
    admission.towns.set([b])
    Assignment.objects.create(division_id=b, admission=admission, department=dept, title=p("assignment"))
    PowerChange.objects.create(division_id=b, kind="return", op="remove", item=item, reason=p("change"),
                               effective_date=timezone.localdate() + dt.timedelta(days=9))
    b_list = ItemList.objects.filter(division_id=b).first() or ItemList.objects.create(division_id=b, kind="approval")
    ListVersion.objects.create(item_list=b_list, number=99, effective_date=dt.date(2026, 1, 1), source="adopt",
                               reason=p("listversion"), entries=[])
    from events.models import Event, Step

    event = Event.objects.create(division_id=b, town_id=b, county_id="321002000000", description=p("event"),
                                 channel="hotline", location_status="address", reporter=world.insider,
                                 reporter_name=p("reporter"), address=p("address"))
    Step.objects.create(event=event, seq=1, action="report", to_state="reported", level="town",
                        actor_name="insider", note=p("eventnote"))
    Notification.objects.create(division_id=b, user=world.insider, kind="dispatched", title=p("notice"),
                                body=p("noticebody"), link="/")
    return p


def _own_rows(world: World, user: Any, town: str) -> None:
    """The crawling town's own rows, some linked to town B's, so detail pages and nested lists
    have data: its county's admission also names town B (same county) or, for 邗江区, a bad
    cross-county link; a responsibility names one of B's bodies as cooperating."""
    from catalog.models import Admission, Item, Matter, Responsibility
    from flows import services as flows
    from flows.templates_dir import template_bytes
    from grids.models import Patrol
    from grids.tests import fixtures
    from org.models import Post, Staff, Unit

    county = town[:6] + "000000"
    unit = Unit.objects.create(division_id=town, name="本镇综合执法局", kind="bureau")
    staff = Staff.objects.create(division_id=town, unit=unit, name="本镇人员", establishment="行政")
    Post.objects.create(division_id=town, unit=unit, name="执法岗", holder_a=staff)
    grid = fixtures.grid_in(town)
    worker = fixtures.team_for(grid, user=user)
    Patrol.objects.create(worker=worker, division_id=worker.division_id, grid=grid, started_at=timezone.now(),
                          status="ended", grids_covered=[grid.code])
    item = Item.objects.get(code="CRAWL-1")
    pm = flows.processmap_import(user=world.users["city-user"], item=item, division_code=county,
                                 xml=template_bytes("ten_step"), name="本县流程")
    flows.processmap_publish(user=world.users["city-user"], process_map=pm)
    flows.case_start(user=user, item=item, division_code=town, title="本镇办件")
    dept = Unit.objects.get_or_create(division_id=county, kind="county_department", name="本县城市管理局")[0]
    admission = Admission.objects.create(division_id=county, code=f"ZR{county[:6]}-2026-0002", department=dept,
                                         title="本县交办", legal_basis="《测试条例》", state="approved")
    admission.towns.set([town, "321002106000"])
    matter = Matter.objects.create(code="CRAWLM1", name="爬取职责", department_code="cgj")
    responsibility = Responsibility.objects.create(division_id=town, matter=matter, main_unit=unit)
    b_unit = Unit.objects.filter(division_id="321002106000", kind="bureau").order_by("pk").first()
    responsibility.cooperating_units.set([unit, b_unit])


def _plant_every_case(world: World) -> list[str]:
    """The town-B row of every outsider case (every app's models, present and future); returns
    the labels of the cases whose maker failed (it may need a row another maker already made)."""
    from django.db import transaction

    from web.tests.outsider import CASES

    failed = []
    for case in CASES:
        if case.viewer != "insider":
            continue
        try:
            with transaction.atomic():
                case.make(world)
        except Exception:  # noqa: BLE001
            failed.append(case.label)
    return failed


def _text(response: Any) -> str:
    content = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                         for v in row if v is not None)
    return content.decode("utf-8", errors="replace")


class Crawler:
    def __init__(self, user: Any, plants: Plants) -> None:
        self.client = Client(raise_request_exception=False)
        self.client.force_login(user)
        self.plants = plants
        self.seen: dict[str, int] = {}
        self.leaks: list[str] = []
        self.errors: list[str] = []

    def get(self, url: str) -> Any:
        if url in self.seen:
            return None
        response = self.client.get(url)
        self.seen[url] = response.status_code
        if response.status_code >= 500:
            self.errors.append(f"{url} → {response.status_code}")
        text = _text(response)
        for kind, token in self.plants.strings.items():
            if token in text:
                self.leaks.append(f"{url} shows {kind} ({token})")
        return response


def _reverse(route: Route, kwargs: dict[str, str] | None = None) -> str | None:
    try:
        return reverse(route.name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def _rows(response: Any) -> list[dict]:
    try:
        body = response.json()
    except (ValueError, AttributeError):
        return []
    rows = body.get("results", body) if isinstance(body, dict) else body
    return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []


def _crawl_api(crawler: Crawler) -> None:
    by_basename: dict[str, list[dict]] = {}
    for route in router_list_routes():
        url = _reverse(route)
        if url is None:
            continue
        response = crawler.get(url + "?page_size=2000")
        crawler.get(url + "?format=api")
        crawler.get(url + "?division=321002106000")  # asking for town B by name changes nothing
        basename = route.callback.initkwargs.get("basename", "")
        by_basename[basename] = _rows(response) if response is not None else []
    for route in router_detail_routes():
        if "get" not in route.actions:
            continue
        basename = route.callback.initkwargs.get("basename", "")
        lookup = getattr(route.viewset, "lookup_field", "pk")
        for row in by_basename.get(basename, [])[:3]:
            value = row.get(lookup if lookup != "pk" else "id", row.get("id"))
            url = _reverse(route, {k: str(value) for k in route.kwargs})
            if url is not None:
                crawler.get(url)
                if route.actions["get"] == "retrieve":
                    crawler.get(url + "?format=api")


def _crawl_pages(crawler: Crawler, user: Any, town: str) -> None:
    from web.tests.outsider import CASES

    for route in all_routes():
        if route.route.startswith(EXEMPT_PREFIXES) or route.kwargs or route in router_list_routes():
            continue
        url = _reverse(route)
        if url is not None:
            crawler.get(url)
            if not route.is_api:
                crawler.get(url + f"?division={town}")
    for case in CASES:  # pages of one row, for the user's own rows of that model
        for name in case.pages:
            for row in case.model.objects.visible_to(user)[:3]:
                try:
                    crawler.get(reverse(name, kwargs={case.page_kwarg or case.lookup_kwarg:
                                                      str(getattr(row, case.lookup_attr))}))
                except NoReverseMatch:
                    continue
    from grids.models import Grid

    b_grid = Grid.objects.filter(division__code__startswith="321002106").order_by("code").first()
    assert b_grid is not None
    for url in (f"/api/catalog/responsibility/?division={town}&matter=CRAWLM1",
                f"/api/catalog/handover-check/?town={town}&admission=ZR{town[:6]}-2026-0002",
                f"/api/catalog/handover-check/?town={town}&admission=ZR321002-2026-0001",
                f"/api/grids/locate/?lat={b_grid.centroid_lat}&lng={b_grid.centroid_lng}"):
        crawler.get(url)
    for name, kwargs in (("grids:map-division", {"code": town}), ("web:division", {"code": town}),
                         ("catalog:responsibility", {"matter": "CRAWLM1", "town": town})):
        try:
            crawler.get(reverse(name, kwargs=kwargs))
        except NoReverseMatch:
            continue


def _crawl_admin(crawler: Crawler, user: Any) -> None:
    for model, model_admin in admin.site._registry.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        crawler.get(reverse(f"{prefix}_changelist"))
        crawler.get(reverse(f"{prefix}_add"))
        queryset = model_admin.get_queryset(type("R", (), {"user": user})())
        for row in queryset[:2]:
            crawler.get(reverse(f"{prefix}_change", args=[row.pk]))


# 蒋王街道 of 邗江区 is demo-town-321003001's twin; 东关街道 shares 广陵区 with town B, so it also
# reads the county's rows about B (an admission naming B is legitimately its county's: exempt).
CRAWLERS = [
    pytest.param(TOWN_C, frozenset(), id="town-of-another-county"),
    pytest.param("321002001000", frozenset({"admission", "town B's name"}), id="town-of-the-same-county"),
]


@pytest.mark.parametrize(("town", "exempt"), CRAWLERS)
def test_a_town_user_finds_no_planted_string_anywhere(town: str, exempt: frozenset[str]) -> None:
    world = build_world()
    user = world.user("crawler", town, ALL_ROLES, is_staff=True)  # a town user with every role
    from flows import services as flows
    from grids.models import Grid
    from grids.tests import fixtures
    from web.tests.outsider import CASES

    flows.lanemapping_seed_defaults()
    with audit.acting_as(world.insider, source="test"):
        _plant_every_case(world)
        if not Grid.objects.exists():
            fixtures.lay_out(world)
        plants = _plant(world)
    missing = [c.label for c in CASES if c.viewer == "insider" and not c.model._base_manager.filter(
        **{f"{c.model.scope_lookup}__startswith": "321002106"}).exists()]
    assert not missing, f"no town-B row planted for {missing}"
    plants.strings["town B's name"] = "湾头"  # every case's row of town B carries it; 邗江区 never sees it
    with audit.acting_as(user, source="test"):
        _own_rows(world, user, town)

    # the insider's own view shows the plants: the crawl could find them if they leaked
    insider = Crawler(world.insider, plants)
    insider.get("/api/org/staff/?page_size=2000")
    insider.get("/api/cases/?page_size=2000")
    assert any("staff" in leak for leak in insider.leaks) and any("case" in leak for leak in insider.leaks)

    for kind in exempt:
        plants.strings.pop(kind)
    crawler = Crawler(user, plants)
    _crawl_api(crawler)
    _crawl_pages(crawler, user, town)
    _crawl_admin(crawler, user)
    ok = sum(1 for status in crawler.seen.values() if status == 200)
    assert ok >= 250, f"the crawl reached too little ({ok} pages answered 200 of {len(crawler.seen)})"
    assert not crawler.leaks, "\n".join(crawler.leaks)
    assert not crawler.errors, "\n".join(crawler.errors)
