"""The statistical-code CSV import: counts, kinds, idempotence, refusal with line numbers."""
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from core.models import AuditLog
from divisions.models import Division

pytestmark = pytest.mark.django_db
SHIPPED = Path(__file__).resolve().parents[1] / "data" / "yangzhou_divisions.csv"
HEADER = "code,name,level,parent_code\n"


def _write(tmp_path: Path, body: str) -> str:
    path = tmp_path / "d.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return str(path)


def test_shipped_file_imports_the_whole_tree_with_kinds(capsys: pytest.CaptureFixture) -> None:
    call_command("import_divisions")
    counts = {lvl: Division.objects.filter(level=lvl).count() for lvl in ("city", "county", "town", "village")}
    assert counts == {"city": 1, "county": 7, "town": 98, "village": 1437}
    towns = Division.objects.filter(level="town")
    assert towns.filter(kind="镇").count() == 60
    assert towns.filter(kind="街道").count() == 19
    assert towns.filter(kind="乡").count() == 2
    assert towns.filter(kind__in=["开发区", "农场"]).count() == 17
    assert Division.objects.filter(kind="虚拟社区").count() == 10
    assert "新增 1543" in capsys.readouterr().out


def test_reimport_changes_nothing(capsys: pytest.CaptureFixture) -> None:
    call_command("import_divisions")
    audit_rows = AuditLog.objects.count()
    call_command("import_divisions")
    assert "新增 0，更新 0，未变 1543" in capsys.readouterr().out
    assert AuditLog.objects.count() == audit_rows


def test_import_is_audited() -> None:
    call_command("import_divisions")
    entry = AuditLog.objects.get(model="divisions.Division", object_id="321002001000")
    assert entry.action == "create" and entry.after["name"] == "东关街道"
    assert entry.source == "import"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("321000000000,扬州市,city,320000000000\n3210020000,广陵区,county,321000000000\n", "第3行: 区划代码 '3210020000' 不是 12 位数字"),
        ("321000000000,扬州市,city,320000000000\n321002000000,,county,321000000000\n", "第3行: 名称为空"),
        ("321000000000,扬州市,city,320000000000\n321002000000,广陵区,district,321000000000\n", "第3行: 层级 'district' 无效"),
        ("321000000000,扬州市,city,320000000000\n321002001000,东关街道,town,321002000000\n", "第3行: 上级代码 321002000000 在文件和数据库中都不存在"),
        ("321000000000,扬州市,city,320000000000\n321000000000,扬州市,city,320000000000\n", "第3行: 区划代码 321000000000 重复"),
        ("321000000000,扬州市,city,320000000000\n321002000000,广陵区,county\n", "第3行: 应有 4 列"),
        ("321000000000,扬州市,city,320000000000\n321002001000,东关街道,county,321000000000\n", "第3行: 代码 321002001000 的位数与层级 county 不符"),
    ],
)
def test_malformed_file_is_refused_with_line_and_nothing_written(tmp_path: Path, body: str, message: str) -> None:
    audit_rows = AuditLog.objects.count()  # migrations' seed rows are audited too
    with pytest.raises(CommandError) as err:
        call_command("import_divisions", _write(tmp_path, body))
    assert message in str(err.value)
    assert Division.objects.count() == 0
    assert AuditLog.objects.count() == audit_rows


def test_wrong_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("代码,名称\n321000000000,扬州市\n", encoding="utf-8")
    with pytest.raises(CommandError, match="第1行: 表头应为"):
        call_command("import_divisions", str(path))


def test_a_bad_line_late_in_a_good_file_still_writes_nothing(tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8").rstrip("\n") + "\n32100200100X,坏行,village,321002001000\n"
    path = tmp_path / "late.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match="第1545行"):
        call_command("import_divisions", str(path))
    assert Division.objects.count() == 0
