"""立即生成 (issue 14 item 5, newcomer's finding): an on-demand report is queued to the background
worker, not built inside the request; the page shows 生成中 and then the download links; a failed
build is shown as such; a county user generates only their own subtree's reports."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.storage import default_storage
from openpyxl import load_workbook

from assess import reports, services
from assess.models import AssessReport
from assess.periods import period_of
from assess.tests import world as W
from core.downloads import file_url
from core.errors import NotAllowed, NotFound, PlatformError
from core.testing.commit import committed

pytestmark = pytest.mark.django_db
MARCH = period_of("month", dt.date(2026, 3, 1))


@pytest.fixture
def aw() -> W.AssessWorld:
    return W.with_march_results()


def test_the_request_queues_the_build_and_the_page_shows_pending_then_the_downloads(
        aw: W.AssessWorld, settings, tmp_path) -> None:  # noqa: ANN001
    settings.MEDIA_ROOT = str(tmp_path)
    c = W.client(aw.users["cc"])
    # Without the on-commit callbacks the task is not queued: the request itself builds nothing.
    got = c.post("/assess/reports/", {"division": W.COUNTY, "kind": "monthly", "day": "2026-03-15"})
    report = AssessReport.objects.get()
    assert got.status_code == 302 and got["Location"] == f"/assess/reports/{report.pk}/"
    assert (report.status, report.xlsx, report.pdf, report.title) == ("pending", "", "", "广陵区考核月汇总（2026年3月）")
    fragment = c.get(f"/assess/reports/{report.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in fragment and "后台生成中" in fragment and "<progress>" in fragment
    assert "生成中" in c.get("/assess/reports/", {"division": W.COUNTY}).content.decode()
    assert c.get(file_url("assess-report", report.pk, "pdf")).status_code == 404   # nothing to download yet
    # The worker (Huey immediate in tests) runs it once the request's transaction commits.
    with committed():
        c.post("/assess/reports/", {"division": W.COUNTY, "kind": "monthly", "day": "2026-03-15"})
    assert AssessReport.objects.get().status == "pending"   # a double click queues nothing more …
    with committed():
        services.report_execute(report.pk)                 # … the queued build, as the worker runs it
    report.refresh_from_db()
    assert report.status == "done"
    fragment = c.get(f"/assess/reports/{report.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in fragment
    assert file_url("assess-report", report.pk, "xlsx") in fragment and file_url("assess-report", report.pk, "pdf") in fragment
    sheet = load_workbook(io.BytesIO(default_storage.open(report.xlsx).read()))["主要指标"]
    rows = {r[0]: r[1:4] for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows["结案率"] == (4, 5, "80.0%")
    got = c.get(file_url("assess-report", report.pk, "pdf"))
    assert got.status_code == 200 and b"".join(got.streaming_content)[:4] == b"%PDF"  # type: ignore[attr-defined]


def test_a_new_request_through_the_worker_replaces_the_files(aw: W.AssessWorld, settings, tmp_path) -> None:  # noqa: ANN001
    settings.MEDIA_ROOT = str(tmp_path)
    with committed():
        first = reports.report_generate(kind="weekly", division=aw.world.county, period=period_of("week", dt.date(2026, 3, 2)))
    old = (first.xlsx, first.pdf)
    assert all(default_storage.exists(p) for p in old)
    with committed():   # the request, then the queued task as the worker runs it (Huey immediate)
        again = services.report_request(user=aw.users["cc"], kind="weekly", division=aw.world.county,
                                        day=dt.date(2026, 3, 4))
    again.refresh_from_db()
    assert again.pk == first.pk and again.status == "done" and (again.xlsx, again.pdf) != old
    assert not any(default_storage.exists(p) for p in old) and default_storage.exists(again.pdf)


def test_a_failed_build_is_marked_and_can_be_asked_again(aw: W.AssessWorld, settings, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    settings.MEDIA_ROOT = str(tmp_path)
    report = services.report_request(user=aw.users["cA"], kind="monthly", division=aw.world.town_a,
                                     day=dt.date(2026, 3, 9))

    def broken(division: object, period: object) -> list[object]:
        raise RuntimeError("disk full")
    monkeypatch.setattr(reports, "sections", broken)
    with pytest.raises(RuntimeError):
        services.report_execute(report.pk)
    report.refresh_from_db()
    assert report.status == "failed" and report.title.startswith(AssessReport.FAILED_MARK)
    html = W.client(aw.users["cA"]).get(f"/assess/reports/{report.pk}/").content.decode()
    assert "生成失败" in html and 'hx-get="/assess/reports/' not in html   # no more polling
    monkeypatch.undo()
    with committed():
        services.report_request(user=aw.users["cA"], kind="monthly", division=aw.world.town_a, day=dt.date(2026, 3, 9))
    report.refresh_from_db()
    assert report.status == "done" and report.title == "东关街道考核月汇总（2026年3月）"


def test_scope_role_kind_and_level_are_checked_before_anything_is_queued(aw: W.AssessWorld) -> None:
    with pytest.raises(NotFound):   # a town command asks for the other town
        services.report_request(user=aw.users["cA"], kind="monthly", division=aw.world.town_b, day=dt.date(2026, 3, 1))
    with pytest.raises(NotAllowed):  # a leader reads reports, does not generate them
        services.report_request(user=aw.users["leader"], kind="monthly", division=aw.world.county,
                                day=dt.date(2026, 3, 1))
    with pytest.raises(PlatformError, match="报告类型"):
        services.report_request(user=aw.users["cc"], kind="daily", division=aw.world.county, day=dt.date(2026, 3, 1))
    with pytest.raises(PlatformError, match="周分析按乡镇"):
        services.report_request(user=None, kind="weekly", division=aw.world.city, day=dt.date(2026, 3, 1))
    got = W.client(aw.users["cc"]).post("/assess/reports/", {"division": W.COUNTY, "kind": "daily"})
    assert got.status_code == 200 and "报告类型只能是周分析或月汇总" in got.content.decode()
    # the county user cannot reach the city (outside the subtree): 404, nothing stored
    assert W.client(aw.users["cc"]).post("/assess/reports/", {"division": W.CITY, "kind": "monthly"}).status_code == 404
    assert not AssessReport.objects.exists()
