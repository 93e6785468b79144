"""Supporting documents (佐证材料) are uploaded files, written to storage only after the filing
commits: a filing refused or rolled back leaves no file behind; an accepted one stores each file
byte for byte and serves it to whoever may see the procedure."""
import datetime as dt
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from catalog import services
from catalog.models import ChangeEvidence, PowerChange
from catalog.tests.factory import build_catalog, evidence_upload
from core.downloads import file_url
from core.errors import PlatformError
from core.testing.world import build_world

pytestmark = pytest.mark.django_db(transaction=True)

SCAN = bytes(range(256)) * 40  # a binary "scan", 10 KB


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:  # noqa: ANN001
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def _return(cat, **changes):  # noqa: ANN001, ANN003, ANN202
    today = timezone.localdate()
    return dict(kind="return", town=cat.world.town_b, item=cat.items["CG-CF-001"], reason="人手不足",
                effective_date=today + dt.timedelta(days=10), reason_category="staff", legal_reviewer="司法所",
                legal_opinion="合法", legal_review_date=today, handover_plan="移交", user=cat.town_user) | changes


def test_filing_through_the_page_stores_each_file_after_commit(media: Path) -> None:
    cat = build_catalog(build_world())
    client = Client()
    client.force_login(cat.town_user)
    today = timezone.localdate()
    response = client.post("/catalog/changes/", {
        "kind": "return", "division": "321002106000", "item": "CG-CF-001", "reason": "人手不足",
        "effective_date": (today + dt.timedelta(days=7)).isoformat(), "reason_category": "staff",
        "legal_reviewer": "司法所", "legal_opinion": "合法", "legal_review_date": today.isoformat(),
        "handover_plan": "移交", "evidence_files": [evidence_upload("花名册.pdf"), evidence_upload("扫描件.png", SCAN)]})
    assert response.status_code == 302
    change = PowerChange.objects.get()
    rows = list(change.evidence_files.order_by("name"))
    assert [r.name for r in rows] == ["扫描件.png", "花名册.pdf"]
    assert len(_files(media)) == 2
    assert (media / rows[0].path).read_bytes() == SCAN and rows[0].size == len(SCAN)
    page = client.get(f"/catalog/changes/{change.pk}/").content.decode()
    assert "扫描件.png" in page and "花名册.pdf" in page
    url = file_url("change-evidence", rows[0].pk)
    assert f'href="{url}"' in page  # the page links the one file address (core.downloads)
    download = client.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == SCAN  # type: ignore[attr-defined]
    assert download["Content-Type"] == "image/png"
    assert "filename*=utf-8''%E6%89%AB%E6%8F%8F%E4%BB%B6.png" in download["Content-Disposition"]


def test_rollback_after_the_filing_leaves_no_file(media: Path) -> None:
    cat = build_catalog(build_world())
    with pytest.raises(RuntimeError), transaction.atomic():
        services.change_file(**_return(cat, evidence_files=[evidence_upload(), evidence_upload("b.png", SCAN)]))
        assert ChangeEvidence.objects.count() == 2  # recorded inside the transaction …
        raise RuntimeError("a later step of the same transaction fails")
    assert not ChangeEvidence.objects.exists() and not PowerChange.objects.exists()
    assert _files(media) == []  # … and nothing was written


def test_refused_filing_leaves_no_file(media: Path) -> None:
    cat = build_catalog(build_world())
    with pytest.raises(PlatformError, match="在办事项移交方案"):
        services.change_file(**_return(cat, handover_plan="", evidence_files=[evidence_upload()]))
    client = Client()
    client.force_login(cat.town_user)
    today = timezone.localdate()
    r = client.post("/catalog/changes/", {"kind": "return", "division": "321002106000", "item": "CG-CF-003",
                                          "reason": "x", "effective_date": (today + dt.timedelta(days=7)).isoformat(),
                                          "reason_category": "staff", "legal_reviewer": "司法所",
                                          "legal_opinion": "合法", "legal_review_date": today.isoformat(),
                                          "handover_plan": "移交", "evidence_files": evidence_upload()})
    assert r.status_code == 400 and "不在湾头镇清单中" in r.content.decode()  # refused by the service itself
    assert _files(media) == [] and not ChangeEvidence.objects.exists()


def test_resubmission_adds_documents(media: Path) -> None:
    cat = build_catalog(build_world())
    with transaction.atomic():
        change = services.change_file(**_return(cat, evidence_files=[evidence_upload()]))
    services.change_department_opinion(change=change, agree=True, opinion="同意", user=cat.dept)
    services.change_decide(change=change, decision="return", reason="请补充办件统计", user=cat.reform)
    client = Client()
    client.force_login(cat.town_user)
    r = client.post(f"/catalog/changes/{change.pk}/", {"action": "resubmit", "reason": "已补充",
                                                       "evidence_files": evidence_upload("办件统计.xlsx", b"PK..")})
    assert r.status_code == 302
    assert sorted(change.evidence_files.values_list("name", flat=True)) == ["人员花名册.pdf", "办件统计.xlsx"]
    assert len(_files(media)) == 2
