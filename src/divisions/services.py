"""Writes on the division tree: the statistical-code CSV import."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from django.db import transaction

from core import audit, cachegen
from core.filters import CACHE_NAME as FILTERS_CACHE
from core.scoping import code_level, code_prefix
from core.text import normalize_key, normalize_text
from divisions.choices import Kind, Level
from divisions.models import Division

HEADER = ["code", "name", "level", "parent_code"]
CODE_RE = re.compile(r"^[0-9]{12}$")  # ASCII digits only (\d would accept full-width ones)
LEVEL_ORDER = {"city": 1, "county": 2, "town": 3, "village": 4}


class DivisionImportError(ValueError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    by_level: dict[str, int] = field(default_factory=dict)


def derive_kind(code: str, name: str, level: str) -> str:
    """Kind from level, name and code (see divisions/data/README.md)."""
    if level == Level.CITY:
        return Kind.CITY
    if level == Level.COUNTY:
        return Kind.COUNTY
    name = normalize_text(name)
    if level == Level.TOWN:
        for suffix, kind in (("街道", Kind.STREET), ("镇", Kind.TOWN), ("乡", Kind.TOWNSHIP)):
            if name.endswith(suffix):
                return kind
        return Kind.FARM if "场" in name else Kind.ZONE
    if "虚拟" in name:
        return Kind.VIRTUAL
    return Kind.COMMUNITY if int(code[9:]) < 200 else Kind.VILLAGE


def _clean(row: list[str]) -> tuple[str, str, str, str]:
    """Codes and level NFKC-normalised (full-width digits become ASCII); the name as typed, trimmed,
    inner whitespace collapsed (names are compared with `normalize_text`, stored as written)."""
    code, name, level, parent = row
    return normalize_text(code), " ".join(name.split()), normalize_text(level).lower(), normalize_text(parent)


def _check_row(lineno: int, row: list[str], seen: dict[str, str]) -> str | None:
    if len(row) != 4:
        return f"第{lineno}行: 应有 4 列（code,name,level,parent_code），实际 {len(row)} 列"
    code, name, level, parent = _clean(row)
    if not CODE_RE.match(code):
        return f"第{lineno}行: 区划代码 {code!r} 不是 12 位数字"
    if not name:
        return f"第{lineno}行: 名称为空"
    if level not in LEVEL_ORDER:
        return f"第{lineno}行: 层级 {level!r} 无效，应为 city/county/town/village"
    if code_level(code) != level:
        return f"第{lineno}行: 代码 {code} 的位数与层级 {level} 不符"
    if code in seen:
        return f"第{lineno}行: 区划代码 {code} 重复（第{seen[code]}行已出现）"
    if not CODE_RE.match(parent):
        return f"第{lineno}行: 上级代码 {parent!r} 不是 12 位数字"
    if level != "city" and not code.startswith(code_prefix(parent)):
        return f"第{lineno}行: 代码 {code} 不在上级 {parent} 之下"
    return None


def parse_csv(text: str) -> list[tuple[str, str, str, str]]:
    """Validate the whole file; raise DivisionImportError listing every bad line."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration:
        raise DivisionImportError(["第1行: 文件为空"]) from None
    if [normalize_key(h).lower() for h in header] != HEADER:
        raise DivisionImportError([f"第1行: 表头应为 {','.join(HEADER)}，实际为 {','.join(header)}"])
    rows: list[tuple[str, str, str, str]] = []
    errors: list[str] = []
    seen: dict[str, str] = {}
    for lineno, row in enumerate(reader, start=2):
        if not any(c.strip() for c in row):
            continue
        problem = _check_row(lineno, row, seen)
        if problem:
            errors.append(problem)
            continue
        code, name, level, parent = _clean(row)
        seen[code] = str(lineno)
        rows.append((code, name, level, parent))
    codes = set(seen)
    existing = set(Division.objects.values_list("code", flat=True))
    for code, _name, level, parent in rows:
        if level != "city" and parent not in codes and parent not in existing:
            errors.append(f"第{seen[code]}行: 上级代码 {parent} 在文件和数据库中都不存在")
    if errors:
        raise DivisionImportError(errors)
    return rows


def division_import(*, text: str) -> ImportResult:
    """Import (or re-import) a division CSV. All or nothing; idempotent."""
    rows = parse_csv(text)
    rows.sort(key=lambda r: (LEVEL_ORDER[r[2]], r[0]))
    result = ImportResult()
    existing = {d.code: d for d in Division.objects.all()}
    new_rows: list[Division] = []
    with transaction.atomic():
        for code, name, level, parent in rows:
            parent_id = None if level == "city" else parent
            kind = derive_kind(code, name, level)
            result.by_level[level] = result.by_level.get(level, 0) + 1
            current = existing.get(code)
            if current is None:
                new_rows.append(Division(code=code, name=name, level=level, kind=kind, parent_id=parent_id))
                continue
            if normalize_text(current.name) == normalize_text(name):
                name = current.name  # the same name typed another way (乡(镇) / 乡（镇）) is no change
            if (current.name, current.level, current.kind, current.parent_id) == (name, level, kind, parent_id):
                result.unchanged += 1
                continue
            current.name, current.level, current.kind, current.parent_id = name, level, kind, parent_id
            current.save()
            result.updated += 1
        # Parents come first in the sorted rows, so one bulk insert keeps FKs valid.
        Division.objects.bulk_create(new_rows, batch_size=1000)
        audit.record_bulk(new_rows, "create")
        result.created = len(new_rows)
        if new_rows or result.updated:
            cachegen.bump(FILTERS_CACHE)  # the name index of core.filters.resolve_division
    return result
