"""Writes for organisation. Every function is keyword-only, transactional and audited by signals."""
from __future__ import annotations

import datetime as dt

from django.db import transaction

from core.errors import Conflict, PlatformError
from core.text import normalize_text
from divisions.choices import Kind, Level
from divisions.models import Division
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
    if home_department.kind != UnitKind.COUNTY_DEPARTMENT:
        raise PlatformError("派出部门必须是县级部门", code="not_a_department")
    if not town.code.startswith(home_department.division_id[:6]):
        raise PlatformError("派驻机构只能派驻到本县（市、区）的乡镇（街道）", code="outside_county")
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


def _check_holder(post_unit: Unit, staff: Staff | None, label: str) -> None:
    if staff is not None and staff.division_id != post_unit.division_id:
        raise PlatformError(f"{staff.name} 与岗位不在同一区划，不能担任{'A' if label == 'holder_a' else 'B'}岗",
                            code="holder_outside",
                            fields={label: ["人员必须与岗位在同一区划"]})


@transaction.atomic
def post_assign(*, post: Post, holder_a: Staff | None, holder_b: Staff | None) -> Post:
    """Set the A and B holders; A and B must be different people of the post's division."""
    if holder_a is not None and holder_b is not None and holder_a.pk == holder_b.pk:
        raise PlatformError("A岗与B岗不能是同一人", code="same_holder", fields={"holder_b": ["A岗与B岗不能是同一人"]})
    _check_holder(post.unit, holder_a, "holder_a")
    _check_holder(post.unit, holder_b, "holder_b")
    post.holder_a, post.holder_b = holder_a, holder_b
    post.save()
    return post


@transaction.atomic
def absence_record(*, staff: Staff, start: dt.date, end: dt.date, reason: str) -> Absence:
    if end < start:
        raise PlatformError("结束日期不能早于开始日期", code="bad_range", fields={"end": ["结束日期不能早于开始日期"]})
    return Absence.objects.create(division_id=staff.division_id, staff=staff, start=start, end=end, reason=reason)
