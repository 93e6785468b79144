"""Outsider cases for grids: a town-A user gets nothing of town B's grids, teams, patrols, reports."""
import datetime as dt
import uuid

from django.utils import timezone

from core.testing.cases import ScopeCase
from core.testing.downloads import check_file_kind
from grids.models import Finding, Grid, GridMembership, GridReport, GridVersion, GridWorker, Patrol, PatrolPoint
from grids.tests import fixtures

B = "321002106"


def make_grid(world):  # noqa: ANN001, ANN201
    fixtures.lay_out(world)
    return fixtures.grid_in(B)


def make_version(world):  # noqa: ANN001, ANN201
    return GridVersion.objects.filter(grid=make_grid(world)).first()


def make_worker(world):  # noqa: ANN001, ANN201
    return GridWorker.objects.create(division_id="321002106001", name="湾头网格员")


def make_membership(world):  # noqa: ANN001, ANN201
    grid = make_grid(world)
    worker = GridWorker.objects.create(division_id="321002106001", name="湾头网格长")
    return GridMembership.objects.create(grid=grid, worker=worker, role="head")


def make_patrol(world):  # noqa: ANN001, ANN201
    m = make_membership(world)
    return Patrol.objects.create(worker=m.worker, division_id=m.worker.division_id, grid=m.grid,
                                 started_at=timezone.now(), status="ended", grids_covered=[m.grid.code])


def make_point(world):  # noqa: ANN001, ANN201
    p = make_patrol(world)
    return PatrolPoint.objects.create(patrol=p, seq=0, lng=p.grid.centroid_lng, lat=p.grid.centroid_lat,
                                      t=timezone.now())


def make_finding(world):  # noqa: ANN001, ANN201
    p = make_patrol(world)
    return Finding.objects.create(patrol=p, grid=p.grid, category="safety", description="湾头隐患", lng=119.4,
                                  lat=32.4, found_at=timezone.now())


def make_report(world):  # noqa: ANN001, ANN201
    return GridReport.objects.create(kind="weekly", division=world.town_b, period_start=dt.date(2026, 1, 5),
                                     period_end=dt.date(2026, 1, 11), title="湾头镇周分析")


def _a_worker(world):  # noqa: ANN001, ANN201
    return GridWorker.objects.get_or_create(division_id="321002001001", name="东关网格员",
                                            defaults={"user": world.outsider})[0]


def check_locate(world, api, session, insider):  # noqa: ANN001, ANN201
    """Decision: outside the grids the user may see the answer is inside:false, no divisions."""
    fixtures.lay_out(world)
    grid = fixtures.grid_in(B)
    url = f"/api/grids/locate/?lat={grid.centroid_lat}&lng={grid.centroid_lng}"
    mine = insider.get(url).json()
    assert mine["inside"] and mine["grids"][0]["code"] == grid.code
    theirs = api.get(url).json()
    assert theirs == {**theirs, "inside": False, "grids": [], "village": None, "town": None, "county": None}


def check_map(world, api, session, insider):  # noqa: ANN001, ANN201
    fixtures.lay_out(world)
    codes = {f["properties"]["code"] for f in api.get("/api/grids/map/?division=321002000000").json()["features"]}
    assert codes and all(c.startswith("321002001") for c in codes)
    assert api.get("/api/grids/export/?division=321002106000").json()["features"] == []
    assert session.get("/grids/map/321002106000/").status_code == 404
    assert session.get("/grids/map/").status_code == 200


def check_boundaries(world, api, session, insider):  # noqa: ANN001, ANN201
    """Boundaries are reference data: the user's subtree and its ancestors, never a sibling's."""
    fixtures.lay_out(world)
    mine = {f["properties"]["code"] for f in api.get("/api/grids/boundaries/?division=321002000000").json()["features"]}
    assert "321002001000" in mine and not any(c.startswith(B) for c in mine)
    theirs = api.get(f"/api/grids/boundaries/?division={B}000").json()["features"]
    assert theirs == []
    assert any(f["properties"]["code"].startswith(B) for f in
               insider.get(f"/api/grids/boundaries/?division={B}000").json()["features"])


def make_stored_finding(world):  # noqa: ANN001, ANN201
    """Town B's finding with a real photo stored."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from core.testing.files import tiny_png

    finding = make_finding(world)
    finding.photo = default_storage.save("grids/findings/test.png", ContentFile(tiny_png()))
    finding.save()
    return finding


def make_stored_report(world):  # noqa: ANN001, ANN201
    """Town B's weekly report with its Excel file stored."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    report = make_report(world)
    report.xlsx = default_storage.save("grids/reports/test.xlsx", ContentFile(b"PK\x03\x04xlsx"))
    report.save()
    return report


def check_import(world, api, session, insider):  # noqa: ANN001, ANN201
    fixtures.lay_out(world)
    collection = insider.get("/api/grids/export/?division=321002106000").json()
    before = list(Grid.objects.values_list("code", "version"))
    response = api.post("/api/grids/import/", collection, format="json")
    assert response.status_code == 400 and "不在您的管辖范围内" in str(response.json())
    assert list(Grid.objects.values_list("code", "version")) == before


def check_gaps(world, api, session, insider):  # noqa: ANN001, ANN201
    fixtures.lay_out(world)
    body = api.get("/api/grids/gaps/").json()
    assert all(not r["code"].startswith(B) for r in body["no_head"] + body["no_workers"])
    assert any(r["code"].startswith(B) for r in insider.get("/api/grids/gaps/").json()["no_head"])


def check_coverage(world, api, session, insider):  # noqa: ANN001, ANN201
    make_patrol(world)
    assert api.get("/api/grids/coverage/?division=321002106000").json()["results"] == []
    assert insider.get("/api/grids/coverage/?division=321002106000").json()["patrolled"] == 1
    assert api.get("/api/grids/analysis/?division=321002106000").json()["patrols"] == 0
    assert session.get("/grids/rhythm/?division=321002106000").status_code == 404
    assert "湾头镇" not in session.get("/grids/rhythm/").content.decode()


def check_list_page(world, api, session, insider):  # noqa: ANN001, ANN201
    fixtures.lay_out(world)
    page = session.get("/grids/?page=1").content.decode()
    assert "湾头" not in page and "琼花观" in page
    assert session.get("/grids/patrol/").status_code == 200


def check_patrol_actions(world, api, session, insider):  # noqa: ANN001, ANN201
    patrol = make_patrol(world)
    patrol.status = "active"
    patrol.save()
    _a_worker(world)
    for action in ("points", "findings", "end"):
        response = api.post(f"/api/grids/patrols/{patrol.pk}/{action}/",
                            {"points": [{"lat": 32.4, "lng": 119.4, "seq": 9}], "uuid": str(uuid.uuid4()),
                             "category": "safety", "description": "x", "lat": 32.4, "lng": 119.4}, format="json")
        assert response.status_code == 404, (action, response.content)
    patrol.refresh_from_db()
    assert patrol.status == "active" and patrol.findings.count() == 0


def check_import_pages(world, api, session, insider):  # noqa: ANN001, ANN201
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile

    fixtures.lay_out(world)
    collection = insider.get("/api/grids/export/?division=321002106000").json()
    before = list(Grid.objects.values_list("code", "version"))
    upload = SimpleUploadedFile("b.geojson", json.dumps(collection).encode())
    page = session.post("/grids/import/", {"file": upload}).content.decode()
    assert "不在您的管辖范围内" in page
    session.post("/grids/import/confirm/", {"payload": json.dumps(collection)})
    assert list(Grid.objects.values_list("code", "version")) == before


CASES = [
    ScopeCase(model=Grid, make=make_grid, api_list="grid-list", api_detail="grid-detail", writable=False,
              pages=["grids:detail"], covers_urls=["grid-geojson", "grid-team", "grid-versions", "grid-export"]),
    ScopeCase(model=GridVersion, make=make_version, api_list="grid-version-list", api_detail="grid-version-detail",
              writable=False),
    ScopeCase(model=GridWorker, make=make_worker, api_list="grid-worker-list", api_detail="grid-worker-detail",
              post_payload=lambda w, t: {"division": t.division_id, "name": "越权网格员", "kind": "full_time"}),
    ScopeCase(model=GridMembership, make=make_membership, api_list="grid-membership-list",
              api_detail="grid-membership-detail",
              post_payload=lambda w, t: {"grid": t.grid_id, "worker": _a_worker(w).pk, "role": "member"}),
    ScopeCase(model=Patrol, make=make_patrol, api_list="grid-patrol-list", api_detail="grid-patrol-detail",
              writable=False,
              post_payload=lambda w, t: (_a_worker(w), {"uuid": str(uuid.uuid4()), "grid": t.grid_id})[1]),
    ScopeCase(model=PatrolPoint, make=make_point, writable=False),
    ScopeCase(model=Finding, make=make_finding, api_list="grid-finding-list", api_detail="grid-finding-detail",
              writable=False),
    ScopeCase(model=GridReport, make=make_report, api_list="grid-report-list", api_detail="grid-report-detail",
              writable=False),
]
def check_findings_page(world, api, session, insider):  # noqa: ANN001, ANN201
    """The findings page, its Excel export and every filter show nothing of town B's finding."""
    from io import BytesIO

    from django.test import Client
    from openpyxl import load_workbook

    finding = make_finding(world)
    own = Client()
    own.force_login(world.insider)
    assert "湾头隐患" in own.get("/grids/findings/?status=unreported").content.decode()
    for query in ("", "?status=unreported", f"?patrol={finding.patrol_id}", "?division=321002106000",
                  f"?grid={finding.grid_id}"):
        response = session.get(f"/grids/findings/{query}")
        assert response.status_code in (200, 400) and "湾头隐患" not in response.content.decode()
    book = load_workbook(BytesIO(b"".join(session.get("/grids/findings/?format=xlsx").streaming_content)))
    assert not any("湾头" in str(c.value or "") for row in book.active.iter_rows() for c in row)


URL_CASES = {
    "grids:findings": check_findings_page,
    "grid-locate": check_locate,
    "grid-map-layer": check_map,
    "grid-boundaries": check_boundaries,
    "files:finding-photo": check_file_kind("finding-photo", make_stored_finding, path_of=lambda row: row.photo),
    "grids:map": check_map,
    "grids:map-division": check_map,
    "grid-import": check_import,
    "grid-gaps": check_gaps,
    "grid-coverage": check_coverage,
    "grid-analysis": check_coverage,
    "grids:rhythm": check_coverage,
    "files:grid-report": check_file_kind("grid-report", make_stored_report, "xlsx", lambda row: row.xlsx),
    "grids:list": check_list_page,
    "grids:patrol": check_list_page,
    "grid-patrol-points": check_patrol_actions,
    "grid-patrol-findings": check_patrol_actions,
    "grid-patrol-end": check_patrol_actions,
    "grids:import": check_import_pages,
    "grids:import-confirm": check_import_pages,
}
