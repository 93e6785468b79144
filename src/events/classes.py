"""The event class table (事件类别): seed, Excel export and import, old-code mapping, routing gaps.

Excel layout (sheet "事件类别", the platform's one writer and reader: row 1 the title, row 2 the
headers, data from row 3; the reader finds the header wherever it is):

    类别编码 | 类别名称 | 类型 | 大类名称 | 职责事项编码 | 默认等级 | 受理时限 | 立案时限 | 派遣时限 |
    处置时限 | 核查时限 | 旧编码 | 启用

A time limit is an amount and a unit: `4工作时`, `0.5工作时`, `5工作日` (also `4h`, `5d`, `4小时`,
`5天`). A code may be given in the old two-level GB/T 30428 / CJ/T 214 form (4 digits, e.g.
`0102`): it is mapped to the new class whose `old_codes` list it, else by the major-class rule
`OLD_MAJOR` to that major's `999` (其他) class. Import checks every row and refuses the whole file
listing row numbers; accepted rows are upserted by code (export → import changes nothing).
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from core import audit, cachegen
from core.errors import NotAllowed, PlatformError
from core.reports import xlsx
from core.reports.xlsx_read import read_table
from core.roles import Role, has_role
from core.scoping import code_level, scope_for
from core.text import normalize_key, normalize_text
from events.choices import ClassKind, LimitUnit, Severity
from events.lifecycle import LIMIT_STEPS
from events.models import EventClass

SEED = Path(__file__).resolve().parent / "data" / "event_classes.csv"
HEADERS = ["类别编码", "类别名称", "类型", "大类名称", "职责事项编码", "默认等级", "受理时限", "立案时限", "派遣时限",
           "处置时限", "核查时限", "旧编码", "启用"]
MAX_ROWS = 2000
# Old two-level majors (GB/T 30428.2 / CJ/T 214 matters) → the new 2-digit majors.
OLD_MAJOR = {"01": "06", "02": "07", "03": "08", "04": "10", "05": "09"}
_LIMIT = re.compile(r"^(\d+(?:\.\d+)?)(h|d|工作时|工作小时|小时|工作日|天|日)$")
_UNIT = {"h": LimitUnit.HOURS, "工作时": LimitUnit.HOURS, "工作小时": LimitUnit.HOURS, "小时": LimitUnit.HOURS,
         "d": LimitUnit.DAYS, "工作日": LimitUnit.DAYS, "天": LimitUnit.DAYS, "日": LimitUnit.DAYS}
_KIND = {str(label): value for value, label in ClassKind.choices} | {v: v for v in ClassKind.values}
_SEVERITY = {str(label): value for value, label in Severity.choices} | {v: v for v in Severity.values}


CACHE_NAME = "events.classes"
_cache: dict[str, Any] = {"gen": None, "classes": {}}


def active_classes() -> dict[str, EventClass]:
    """code → active class (with its matter), cached per process; rebuilt when the table changes
    (`EventClass.save` and the import bump the `events.classes` generation)."""
    gen = cachegen.current(CACHE_NAME)
    if _cache["gen"] != gen:
        found = {c.code: c for c in EventClass.objects.select_related("matter").filter(is_active=True)}
        _cache.update(gen=gen, classes=found)
    return _cache["classes"]


def parse_limit(text: Any) -> tuple[Decimal, str]:
    """'4工作时' → (Decimal('4'), 'hours'); raises ValueError for anything else (callers report the row)."""
    match = _LIMIT.match(normalize_key(text).lower())
    if not match:
        raise ValueError(text)
    amount = Decimal(match.group(1))
    if amount <= 0:
        raise ValueError(text)
    return amount, _UNIT[match.group(2)]


def format_limit(amount: Decimal | float, unit: str) -> str:
    number = f"{Decimal(str(amount)).normalize():f}"
    return f"{number}{'工作时' if unit == LimitUnit.HOURS else '工作日'}"


def map_old_code(code: str, known: dict[str, str]) -> str | None:
    """A 4-digit old code → the new 5-digit code (`known`: old code → new code from `old_codes`)."""
    if code in known:
        return known[code]
    major = OLD_MAJOR.get(code[:2])
    return f"{major}999" if major else None


def old_code_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for code, old in EventClass.objects.exclude(old_codes="").values_list("code", "old_codes"):
        for part in re.split(r"[,，;；\s]+", old):
            if part:
                table[part] = code
    return table


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    mapped: dict[str, str] = field(default_factory=dict)  # old code → new code


def _row_values(row: dict[str, str], matters: dict[str, int]) -> tuple[dict[str, Any], list[str]]:
    errors: list[str] = []
    values: dict[str, Any] = {"name": normalize_text(row.get("name")), "major_name": normalize_text(row.get("major"))}
    if not values["name"]:
        errors.append("类别名称为空")
    kind = _KIND.get(normalize_key(row.get("kind")))
    if kind is None:
        errors.append(f"类型“{row.get('kind')}”应为 管理部件、管理事项 或 基层治理扩展类")
    values["kind"] = kind
    severity = _SEVERITY.get(normalize_key(row.get("severity")) or Severity.ORDINARY)
    if severity is None:
        errors.append(f"默认等级“{row.get('severity')}”应为 一般、较大、重大 或 特别重大")
    values["severity"] = severity
    matter = normalize_key(row.get("matter"))
    values["matter_id"] = matters.get(matter) if matter else None
    if matter and values["matter_id"] is None:
        errors.append(f"职责事项 {matter} 不存在")
    for step in LIMIT_STEPS:
        try:
            values[f"{step}_limit"], values[f"{step}_unit"] = parse_limit(row.get(step))
        except (ValueError, InvalidOperation):
            errors.append(f"{HEADERS[6 + LIMIT_STEPS.index(step)]}“{row.get(step)}”应为如 4工作时 或 5工作日 的正数")
    values["old_codes"] = ",".join(p for p in re.split(r"[,，;；\s]+", normalize_text(row.get("old_codes"))) if p)
    active = normalize_key(row.get("active"))
    values["is_active"] = active not in ("否", "0", "false", "停用")
    return values, errors


def _require_city_writer(user: Any, division_code: str) -> None:
    if user is None or getattr(user, "is_superuser", False):
        return
    if not (scope_for(user).covers(division_code) and code_level(user.division_id or "000000000001") in ("city",
                                                                                                      "province")):
        raise NotAllowed("事件类别由市级维护，县、乡镇只能查看", code="city_only")
    if not has_role(user, Role.CITY_COMMAND, Role.REFORM_OFFICE):
        raise NotAllowed("您的角色无权维护事件类别", code="role_required")


def classes_import_rows(*, rows: list[dict[str, str]], division_code: str, user: Any = None,
                        first_row: int = 3) -> ImportResult:
    """Validate every row, then upsert by code in one transaction. Rows are dicts with keys code,
    name, kind, major, matter, severity, accept, file, dispatch, handle, verify, old_codes, active."""
    from catalog.models import Matter

    _require_city_writer(user, division_code)
    matters = dict(Matter.objects.values_list("code", "id"))
    known_old = old_code_table()
    for row in rows:  # old codes listed in the file itself map too
        for part in re.split(r"[,，;；\s]+", normalize_text(row.get("old_codes"))):
            if part and normalize_key(row.get("code")).isdigit() and len(normalize_key(row.get("code"))) == 5:
                known_old.setdefault(part, normalize_key(row.get("code")))
    problems: list[str] = []
    parsed: list[tuple[str, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    result = ImportResult()
    for i, row in enumerate(rows, start=first_row):
        n = int(row.get("_row") or i)
        code = normalize_key(row.get("code"))
        if code.isdigit() and len(code) == 4:
            new = map_old_code(code, known_old)
            if new is None:
                problems.append(f"第{n}行: 旧编码 {code} 无法对应到新类别（旧大类应为 01–05）")
                continue
            result.mapped[code] = new
            code = new
        if not (code.isdigit() and len(code) == 5):
            problems.append(f"第{n}行: 类别编码“{row.get('code')}”应为 5 位数字（大类2位+小类3位）或 4 位旧编码")
            continue
        if code in seen:
            problems.append(f"第{n}行: 类别编码 {code} 与第{seen[code]}行重复")
            continue
        seen[code] = n
        values, errors = _row_values(row, matters)
        problems.extend(f"第{n}行: {e}" for e in errors)
        parsed.append((code, values))
    if len(rows) > MAX_ROWS:
        problems.append(f"行数超过 {MAX_ROWS}")
    if problems:
        raise PlatformError("事件类别表有误，未导入：" + "；".join(problems[:50]), code="import_refused",
                            fields={"file": problems})
    existing = {c.code: c for c in EventClass.objects.all()}
    with transaction.atomic():
        for code, values in parsed:
            current = existing.get(code)
            if current is None:
                EventClass.objects.create(code=code, division_id=division_code, **values)
                result.created.append(code)
                continue
            changed = [k for k, v in values.items() if getattr(current, k) != v]
            if not changed:
                result.unchanged.append(code)
                continue
            for key in changed:
                setattr(current, key, values[key])
            current.save()
            result.updated.append(code)
    return result


def _sheet_rows(data: bytes) -> tuple[list[dict[str, str]], int]:
    """The data rows (as dicts) and the row number of the first one, through the one reader."""
    table = read_table(data, required=HEADERS[:11], max_rows=MAX_ROWS)
    keys = ["code", "name", "kind", "major", "matter", "severity", *LIMIT_STEPS, "old_codes", "active"]
    rows = [{"_row": str(n), **{k: table.get(cells, h) for k, h in zip(keys, HEADERS, strict=True)}}
            for n, cells in table.rows]
    first = table.rows[0][0] if table.rows else table.header_row + 1
    return rows, first


def classes_import(*, data: bytes, division_code: str, user: Any = None) -> ImportResult:
    """Import the whole table from an .xlsx upload (see the module docstring)."""
    rows, first = _sheet_rows(data)
    return classes_import_rows(rows=rows, division_code=division_code, user=user, first_row=first)


def classes_export(classes: QuerySet[EventClass]) -> bytes:
    """The whole table as .xlsx in the import layout, through the one writer (round trip: importing
    it changes nothing)."""
    return xlsx.workbook([xlsx.Sheet(name="事件类别", header=HEADERS, rows=_export_rows(classes))],
                         title="事件类别表（GB/T 47678.5 及基层治理扩展类）")


def _export_rows(classes: QuerySet[EventClass]) -> Any:
    for c in classes.select_related("matter").order_by("code"):
        yield [c.code, c.name, c.get_kind_display(), c.major_name, c.matter.code if c.matter else "",
               c.get_severity_display(), *[format_limit(*c.limit(s)) for s in LIMIT_STEPS], c.old_codes,
               "是" if c.is_active else "否"]


def city_code() -> str:
    """The city that publishes the table (the one division of level city)."""
    from divisions.models import Division

    code = Division.objects.filter(level="city").order_by("code").values_list("code", flat=True).first()
    if code is None:
        raise PlatformError("尚未导入市级行政区划", code="no_city")
    return code


def seed_rows() -> list[dict[str, str]]:
    with SEED.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        row["major"] = row.pop("major_name")
        for step in LIMIT_STEPS:
            row[step] = row[step]
    return rows


def load_seed(*, division_code: str, skip_unknown_matters: bool = True) -> ImportResult:
    """Load the committed seed (events/data/event_classes.csv) for the city `division_code`.

    Matter codes the catalog does not hold are left empty (the class then shows as a routing gap)
    when `skip_unknown_matters`; idempotent (existing classes are updated to the seed)."""
    from catalog.models import Matter

    rows = seed_rows()
    if skip_unknown_matters:
        known = set(Matter.objects.values_list("code", flat=True))
        for row in rows:
            if row["matter"] not in known:
                row["matter"] = ""
    with audit.acting_as(name="seed", source="seed"):
        return classes_import_rows(rows=rows, division_code=division_code, first_row=2)  # CSV line numbers
