"""Pages: map list and import, the modeler, an item's map with a start form, cases, a case, my tasks."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core.downloads import file_url
from core.testing.files import tiny_pdf, tiny_png
from flows import services
from flows.models import Case, ProcessMap
from flows.tests.helpers import COUNTY, TOWN_A, fixture, make_item, publish, setup, template

pytestmark = pytest.mark.django_db


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def test_pages_render_for_town_staff():
    world, actors = setup()
    item = make_item()
    pm = publish(actors, item, template("approval"))
    case = services.case_start(user=actors.handler, item=item, division_code=TOWN_A, title="开办许可")
    c = _client(actors.handler)
    assert "开办许可" in c.get("/todo/").content.decode()
    assert "开办许可" not in _client(actors.officer).get("/todo/").content.decode()
    page = c.get(f"/flows/cases/{case.pk}/").content.decode()
    assert "Task_Accept" in page and "完成此环节" in page and "bpmn-navigated-viewer" in page
    assert "不由您办理" in _client(actors.leader).get(f"/flows/cases/{case.pk}/").content.decode()
    assert item.code in c.get("/flows/cases/?state=running").content.decode()
    assert "bpmn-navigated-viewer" in c.get(f"/flows/maps/{pm.pk}/").content.decode()  # a handler only reads maps
    assert item.name in c.get(f"/flows/items/{item.code}/").content.decode()
    maps_page = c.get("/flows/maps/?status=published")
    assert maps_page.status_code == 200 and "法制审核" in maps_page.content.decode()
    assert c.get("/flows/cases/?division=1").status_code == 200  # bad filter: a message, not a 500


def test_import_and_start_through_the_pages():
    world, actors = setup()
    item = make_item()
    editor = _client(actors.editor)
    r = editor.post("/flows/maps/", {"item": item.code, "division": COUNTY,
                                     "file": SimpleUploadedFile("x.bpmn", fixture("camunda_modeler"))})
    pm = ProcessMap.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/flows/maps/{pm.pk}/"
    editor.post("/flows/maps/", {"item": item.code, "division": COUNTY, "template": "approval"})
    assert ProcessMap.objects.count() == 2
    services.processmap_publish(user=actors.editor, process_map=pm)
    r = _client(actors.handler).post(f"/flows/items/{item.code}/", {"title": "页面发起", "idempotency_key": "p1"})
    case = Case.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/flows/cases/{case.pk}/" and case.title == "页面发起"
    r = _client(actors.handler).post(f"/flows/items/{item.code}/", {"title": "页面发起", "idempotency_key": "p1"})
    assert Case.objects.count() == 1


def test_attachment_download(django_capture_on_commit_callbacks):
    world, actors = setup()
    item = make_item()
    publish(actors, item, template("ten_step"))
    case = services.case_start(user=actors.handler, item=item, division_code=TOWN_A)
    with django_capture_on_commit_callbacks(execute=True):  # the file is written when the step commits
        step = services.case_complete_task(user=actors.handler, case_id=case.pk, task_id=case.ready_tasks[0]["id"],
                                           files=[SimpleUploadedFile("现场照片.png", tiny_png())])
    att = step.attachments.get()
    client = _client(actors.handler)
    url = file_url("case-attachment", att.pk)
    assert f'href="{url}"' in client.get(f"/flows/cases/{case.pk}/").content.decode()  # the case page links it
    r = client.get(url)
    assert r.status_code == 200 and b"".join(r.streaming_content) == tiny_png()
    assert r["Content-Type"] == "image/png" and r["X-Content-Type-Options"] == "nosniff"
    assert "filename*=utf-8''%E7%8E%B0%E5%9C%BA%E7%85%A7%E7%89%87.png" in r["Content-Disposition"]


def test_case_list_exports_to_excel_with_the_same_filters():
    import io

    from openpyxl import load_workbook

    world, actors = setup()
    item = make_item()
    publish(actors, item, template("approval"))
    services.case_start(user=actors.handler, item=item, division_code=TOWN_A, title="导出测试")
    r = _client(actors.handler).get("/flows/cases/?format=xlsx&state=running")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(b"".join(r.streaming_content))).active.values)
    assert rows[1][0] == "办件编号" and rows[2][1] == "导出测试" and len(rows) == 3  # title row, header, one case
    r = _client(actors.handler).get("/flows/cases/?format=xlsx&state=completed")
    assert len(list(load_workbook(io.BytesIO(b"".join(r.streaming_content))).active.values)) == 2


def test_a_town_editor_sees_the_save_as_town_version_button():
    world, actors = setup()
    item = make_item()
    pm = publish(actors, item, template("approval"))
    page = _client(actors.town_editor).get(f"/flows/maps/{pm.pk}/").content.decode()
    assert 'id="btn-fork"' in page and 'id="btn-publish"' not in page
    assert 'id="btn-fork"' not in _client(actors.editor).get(f"/flows/maps/{pm.pk}/").content.decode()


def test_a_refused_step_leaves_no_attachment_file(django_capture_on_commit_callbacks):
    """Files are written after commit: a step refused inside its transaction writes nothing."""
    from pathlib import Path

    from django.conf import settings
    from django.db import transaction

    world, actors = setup()
    item = make_item()
    publish(actors, item, template("ten_step"))
    case = services.case_start(user=actors.handler, item=item, division_code=TOWN_A)
    media = Path(settings.MEDIA_ROOT)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                services.case_complete_task(user=actors.handler, case_id=case.pk, task_id=case.ready_tasks[0]["id"],
                                            files=[SimpleUploadedFile("回滚.pdf", tiny_pdf())])
                raise RuntimeError("rolled back after the step")
        except RuntimeError:
            pass
    assert not list(media.rglob("*-回滚.pdf"))


def test_map_import_form_refuses_an_unknown_item_in_chinese():
    world, actors = setup()
    r = _client(actors.editor).post("/flows/maps/", {"item": "NO-SUCH", "division": TOWN_A}, follow=True)
    assert r.status_code == 200 and "事项编码不存在" in r.content.decode()
