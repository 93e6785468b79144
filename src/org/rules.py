"""The organisation rules, one place for every way in: services (pages, API), the admin's forms
(through the models' `clean()`), and the serializers (through the services).

Each function answers `{field: [message, …]}` — empty when the row is acceptable — so the admin
shows the message beside the field (Django `ValidationError`) and the services refuse with
`PlatformError(fields=…)` (a 400 in the API), with the same Chinese words.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

Problems = dict[str, list[str]]

SAME_HOLDER = "A岗与B岗不能是同一人"
END_BEFORE_START = "结束日期不能早于开始日期"


def post_problems(*, division_code: str | None, holder_a: Any, holder_b: Any) -> Problems:
    """A post's holders: two different people, both of the post's division (the unit's).

    Source: DESIGN.md §1 (AB岗: B covers while A is away, so B cannot be A).
    """
    problems: Problems = {}
    for field, staff, label in (("holder_a", holder_a, "A"), ("holder_b", holder_b, "B")):
        if staff is not None and division_code and staff.division_id != division_code:
            problems[field] = [f"{staff.name} 与岗位不在同一区划，不能担任{label}岗"]
    if holder_a is not None and holder_b is not None and holder_a.pk == holder_b.pk:
        problems.setdefault("holder_b", []).append(SAME_HOLDER)
    return problems


def absence_problems(*, start: dt.date | None, end: dt.date | None) -> Problems:
    """An absence runs from `start` to `end` inclusive, so `end` may not come before `start`."""
    if start is not None and end is not None and end < start:
        return {"end": [END_BEFORE_START]}
    return {}


def unit_problems(*, kind: str, division_code: str | None, home_department: Any) -> Problems:
    """A stationed body (派驻机构) names its county department, in the same county; no other kind does."""
    from org.choices import UnitKind

    if kind != UnitKind.STATIONED:
        if home_department is not None:
            return {"home_department": ["只有派驻机构才有派出部门"]}
        return {}
    if home_department is None:
        return {"home_department": ["派驻机构须填写派出部门（县级部门）"]}
    if home_department.kind != UnitKind.COUNTY_DEPARTMENT:
        return {"home_department": ["派出部门必须是县级部门"]}
    if division_code and not division_code.startswith(home_department.division_id[:6]):
        return {"home_department": ["派驻机构只能派驻到本县（市、区）的乡镇（街道）"]}
    return {}


def first_message(problems: Problems) -> str:
    return next(iter(problems.values()))[0]
