"""Writes for organisation. Every function is keyword-only, transactional and audited by signals.

The rules live in `org.rules`, shared with the models' `clean()` so the admin refuses the same
rows (a post whose A and B holder are one person, an absence that ends before it starts).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from core.errors import Conflict, PlatformError
from core.text import normalize_text
from divisions.choices import Kind, Level
from divisions.models import Division
from org import rules
from org.choices import TemplateScope, UnitKind
from org.models import Absence, Post, Staff, Unit, UnitTemplate
from org.selectors import unit_named

SERVICE_CENTRE_NAME = "综合服务中心"
COMMAND_CENTRE_NAME = "指挥调度中心"


def template_scope_for(town: Division) -> str:
    if town.kind == Kind.STREET:
        return TemplateScope.STREET
    if town.kind in (Kind.ZONE, Kind.FARM):
        return TemplateScope.ZONE
    return TemplateScope.TOWN


@transaction.atomic
def units_provision_town(*, town: Division) -> list[Unit]:
    """Give a town its bodies from its template, plus 综合服务中心 and 指挥调度中心. Idempotent."""
    if town.level != Level.TOWN:
        raise PlatformError(f"{town.name} 不是乡镇（街道），不能套用机构模板", code="not_a_town")
    template = UnitTemplate.objects.filter(applies_to=template_scope_for(town)).first()
    if template is None:
        raise PlatformError(f"没有适用于 {town.get_kind_display()} 的机构模板", code="no_template")
    wanted = [(e.name, e.kind, e.order) for e in template.entries.all()]
    wanted += [(SERVICE_CENTRE_NAME, UnitKind.SERVICE_CENTRE, 90), (COMMAND_CENTRE_NAME, UnitKind.COMMAND_CENTRE, 91)]
    existing = {normalize_text(n) for n in Unit.objects.filter(division=town).values_list("name", flat=True)}
    created = []
    for name, kind, order in wanted:
        if normalize_text(name) not in existing:
            created.append(Unit.objects.create(division=town, name=name, kind=kind, order=order))
    return created


@transaction.atomic
def stationed_body_create(*, town: Division, name: str, home_department: Unit) -> Unit:
    """A county department's body stationed in a town (派驻机构): dual management."""
    problems = rules.unit_problems(kind=UnitKind.STATIONED, division_code=town.code, home_department=home_department)
    if problems:
        code = "not_a_department" if home_department.kind != UnitKind.COUNTY_DEPARTMENT else "outside_county"
        raise PlatformError(rules.first_message(problems), code=code, fields=problems)
    if unit_named(town.code, name) is not None:
        raise Conflict(f"{town.name} 已有名为“{normalize_text(name)}”的机构", code="duplicate_name",
                       fields={"name": ["同一区划内机构名称不能重复（全角、半角视为相同）"]})
    return Unit.objects.create(division=town, name=name, kind=UnitKind.STATIONED, home_department=home_department)


@transaction.atomic
def staff_create(*, unit: Unit, name: str, establishment: str, is_leader: bool = False, title: str = "",
                 served_village_secretary: bool = False, is_synthetic: bool = False, phone: str = "",
                 id_number: str = "") -> Staff:
    """A staff member of `unit` (division follows the unit). `phone` / `id_number` are stored
    SM4-encrypted and shown masked (core.personal)."""
    return Staff.objects.create(
        division_id=unit.division_id, unit=unit, name=name, establishment=establishment, is_leader=is_leader,
        title=title, served_village_secretary=served_village_secretary, is_synthetic=is_synthetic,
        phone=phone, id_number=id_number,
    )


def _refuse(problems: rules.Problems, code: str) -> None:
    if problems:
        raise PlatformError(rules.first_message(problems), code=code, fields=problems)


@transaction.atomic
def staff_update(*, staff: Staff, **changes: Any) -> Staff:
    """Change a person's fields; moving them to another unit moves their division with it."""
    for name, value in changes.items():
        setattr(staff, name, value)
    staff.division_id = staff.unit.division_id
    staff.save()
    return staff


@transaction.atomic
def post_create(*, unit: Unit, name: str, holder_a: Staff | None = None, holder_b: Staff | None = None) -> Post:
    """A new post in `unit` (division = the unit's), with its A and B holders (rules.post_problems)."""
    post = Post(division_id=unit.division_id, unit=unit, name=name, holder_a=holder_a, holder_b=holder_b)
    _refuse(post.problems(), "same_holder" if holder_a is not None and holder_a == holder_b else "holder_outside")
    post.save()
    return post


@transaction.atomic
def post_assign(*, post: Post, holder_a: Staff | None, holder_b: Staff | None) -> Post:
    """Set the A and B holders; A and B must be different people of the post's division."""
    post.holder_a, post.holder_b = holder_a, holder_b
    post.division_id = post.unit.division_id
    _refuse(post.problems(), "same_holder" if holder_a is not None and holder_a == holder_b else "holder_outside")
    post.save()
    return post


@transaction.atomic
def absence_record(*, staff: Staff, start: dt.date, end: dt.date, reason: str) -> Absence:
    _refuse(rules.absence_problems(start=start, end=end), "bad_range")
    return Absence.objects.create(division_id=staff.division_id, staff=staff, start=start, end=end, reason=reason)


@transaction.atomic
def absence_update(*, absence: Absence, **changes: Any) -> Absence:
    """Change an absence (staff, dates, reason) under the same rule; its division follows the person."""
    for name, value in changes.items():
        setattr(absence, name, value)
    _refuse(rules.absence_problems(start=absence.start, end=absence.end), "bad_range")
    absence.division_id = absence.staff.division_id
    absence.save()
    return absence
