"""Case attachments are checked by content against one allowed list (issue 11 item 7, `core.uploads`):
a PDF, a PNG, Word and Excel documents (python-docx; LibreOffice Calc's xlsx and 97-2003 xls), an
OFD are stored and read back byte for byte; a Windows executable renamed `.pdf` and a text file are
refused in Chinese, with nothing written."""
from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from core.downloads import file_url
from core.testing.commit import committed
from core.testing.files import tiny_pdf, tiny_png
from core.uploads import check_upload, sniff
from flows import services
from flows.models import CaseAttachment, CaseStep
from flows.tests.helpers import TOWN_A, make_item, publish, setup, template

pytestmark = pytest.mark.django_db

HERE = Path(__file__).resolve().parent
CALC_XLSX = HERE.parents[1] / "catalog" / "tests" / "fixtures" / "libreoffice_from_csv.xlsx"  # LibreOffice Calc
CALC_XLS = HERE / "fixtures" / "attachments" / "libreoffice_calc_97.xls"  # LibreOffice Calc, "MS Excel 97"


def windows_exe() -> bytes:
    """The head of a Windows PE executable: a DOS header whose e_lfanew points at "PE\\0\\0" and a
    COFF header (i386, one section), padded — what any content sniffer reads of a real .exe."""
    dos = bytearray(b"MZ" + b"\x90\x00" + b"\x00" * 56)
    dos[0x3C:0x40] = struct.pack("<I", 0x40)
    coff = b"PE\x00\x00" + struct.pack("<HHIIIHH", 0x14C, 1, 0, 0, 0, 0xE0, 0x102)
    return bytes(dos) + coff + b"\x00" * 400


def python_docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("湾头镇办件附件：现场核查记录")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def ofd() -> bytes:
    """An OFD package (GB/T 33190): a zip whose entry point is OFD.xml."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("OFD.xml", '<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org'
                                    '/2016" Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml'
                                    '</ofd:DocRoot></ofd:DocBody></ofd:OFD>')
        archive.writestr("Doc_0/Document.xml", "<ofd:Document xmlns:ofd=\"http://www.ofdspec.org/2016\"/>")
    return buffer.getvalue()


def _case():  # noqa: ANN202
    world, actors = setup()
    item = make_item()
    publish(actors, item, template("ten_step"))
    return actors, services.case_start(user=actors.handler, item=item, division_code=TOWN_A)


def _complete(actors, case, files):  # noqa: ANN001, ANN202
    client = APIClient()
    client.force_authenticate(actors.handler)
    return client.post(f"/api/cases/{case.pk}/complete/", {"task_id": case.ready_tasks[0]["id"], "files": files},
                       format="multipart")


def test_allowed_kinds_are_stored_and_read_back_byte_for_byte() -> None:
    actors, case = _case()
    uploads = {"决定书.pdf": tiny_pdf("决定书"), "现场.png": tiny_png(), "记录.docx": python_docx(),
               "清单.xlsx": CALC_XLSX.read_bytes(), "旧表.xls": CALC_XLS.read_bytes(), "电子证照.ofd": ofd()}
    with committed():
        response = _complete(actors, case, [SimpleUploadedFile(n, b) for n, b in uploads.items()])
    assert response.status_code == 201, response.json()
    stored = {a.name: a for a in CaseAttachment.objects.filter(case=case)}
    assert set(stored) == set(uploads)
    client = Client()
    client.force_login(actors.handler)
    for name, content in uploads.items():
        read = client.get(file_url("case-attachment", stored[name].pk))
        assert read.status_code == 200 and b"".join(read.streaming_content) == content, name  # type: ignore[attr-defined]
    pdf = client.get(file_url("case-attachment", stored["决定书.pdf"].pk))
    assert pdf["Content-Type"] == "application/pdf" and pdf["X-Content-Type-Options"] == "nosniff"
    assert pdf["Content-Disposition"].startswith("inline;") and "filename*=utf-8''" in pdf["Content-Disposition"]
    sheet = client.get(file_url("case-attachment", stored["清单.xlsx"].pk))
    assert sheet["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert sheet["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize(("name", "content", "found"), [
    ("通知.pdf", windows_exe(), "无法识别的内容"),
    ("说明.pdf", "这只是一段文字\n".encode(), "无法识别的内容"),
    ("照片.png", b"<html><script>alert(1)</script></html>", "无法识别的内容"),
])
def test_a_file_whose_content_is_not_allowed_is_refused_in_chinese(name: str, content: bytes, found: str) -> None:
    actors, case = _case()
    steps = CaseStep.objects.count()
    with committed():
        response = _complete(actors, case, [SimpleUploadedFile(name, content, content_type="application/pdf")])
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "bad_file_type" and error["fields"] == {"files": [name]}
    assert f"文件“{name}”的内容不是允许的类型" in error["message"] and found in error["message"]
    assert "PDF" in error["message"] and "Word 文档" in error["message"]
    assert CaseStep.objects.count() == steps and not CaseAttachment.objects.filter(case=case).exists()
    case.refresh_from_db()
    assert case.revision == 0


def test_the_stored_name_carries_the_extension_of_what_the_file_is() -> None:
    assert sniff(windows_exe()) is None
    assert check_upload(tiny_png(), "scan.pdf")[1] == "scan.png"  # an image named .pdf is kept as what it is
    assert check_upload(CALC_XLS.read_bytes(), "旧表.xls")[1] == "旧表.xls"  # OLE2 keeps its family extension
    assert check_upload(CALC_XLS.read_bytes(), "公文.wps")[1] == "公文.wps"
    assert check_upload(ofd(), "证照")[1] == "证照.ofd"
