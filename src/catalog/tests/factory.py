"""A small catalog on top of core.testing.world: two counties' departments, town bodies,
a handful of items, the 广陵区 lists adopted by 湾头镇 (town B) and two matters."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from catalog import services
from catalog.models import Item, ItemList, Matter
from core import audit
from org.models import Unit

ITEMS = [
    ("CG-XK-002", "临时占用城市道路审批", "approval", "cgj", True),
    ("CG-XK-005", "临时占用城市绿化用地审批", "approval", "cgj", True),
    ("CG-CF-001", "对擅自在街道两侧和公共场地堆放物料的处罚", "penalty", "cgj", True),
    ("CG-CF-003", "对随地吐痰、便溺的处罚", "penalty", "cgj", True),
    ("CG-CF-015", "对损坏城市树木花草的处罚", "penalty", "cgj", True),
    ("ZR-CF-004", "对非法占用土地的处罚", "penalty", "zrzy", False),
]


@dataclass
class Catalog:
    world: Any
    items: dict[str, Item] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)
    lists: dict[str, ItemList] = field(default_factory=dict)
    matters: dict[str, Matter] = field(default_factory=dict)
    start: dt.date = field(default_factory=lambda: timezone.localdate() - dt.timedelta(days=30))

    @property
    def reform(self) -> Any:
        """A county reform-office user (广陵区编办)."""
        return self.world.users["reform-321002"]

    @property
    def dept(self) -> Any:
        """A county department handler of 广陵区城市管理局."""
        return self.world.users["dept-321002"]

    @property
    def town_user(self) -> Any:
        """湾头镇 (town B) command centre."""
        return self.world.users["town-b"]


def build_catalog(world: Any) -> Catalog:
    cat = Catalog(world)
    with audit.acting_as(name="test", source="test"):
        for county in ("321002", "321003"):
            for code, name in (("cgj", "城市管理局"), ("zrzy", "自然资源和规划局")):
                cat.units[f"{county}-{code}"] = Unit.objects.create(
                    division_id=f"{county}000000", name=f"{county}{name}", kind="county_department",
                    code=f"{county}-{code}")
        for town in ("321002106000", "321002001000"):
            for name, kind in (("综合执法局", "bureau"), ("行政审批局", "bureau")):
                cat.units[f"{town}-{name}"] = Unit.objects.create(division_id=town, name=name, kind=kind)
        for code, name, kind, dept, delegable in ITEMS:
            cat.items[code] = Item.objects.create(code=code, name=name, kind=kind, legal_basis="《测试条例》第一条",
                                                  department_code=dept, delegable=delegable)
    world.user("reform-321002", "321002000000", ["reform_office"], is_staff=True)
    dept = world.user("dept-321002", "321002000000", ["dept_handler"])
    dept.unit = cat.units["321002-cgj"]
    dept.save()
    world.user("town-b", "321002106000", ["town_command"])
    reform = cat.reform
    with audit.acting_as(reform, source="test"):
        i = cat.items
        cat.lists["county-approval"] = services.item_list_issue(
            county=world.county, kind="approval", items=[i["CG-XK-002"], i["CG-XK-005"]],
            effective_date=cat.start, reason="县级统一审批服务清单", user=reform)
        cat.lists["county-enforcement"] = services.item_list_issue(
            county=world.county, kind="enforcement", items=[i["CG-CF-001"], i["CG-CF-003"]],
            effective_date=cat.start, reason="县级统一行政执法清单", user=reform)
        cat.lists["b-approval"] = services.item_list_adopt(
            town=world.town_b, kind="approval", effective_date=cat.start, reason="承接县级清单", user=reform)
        cat.lists["b-enforcement"] = services.item_list_adopt(
            town=world.town_b, kind="enforcement", effective_date=cat.start, reason="承接县级清单",
            added=[(i["CG-CF-015"], "湾头镇绿化面积大，承接损坏树木处罚")],
            withheld=[(i["CG-CF-003"], "街面秩序由县城管大队统一执法")], user=reform)
        cat.matters["M1"] = Matter.objects.create(code="M1", name="占道堆物查处", item=i["CG-CF-001"],
                                                  department_code="cgj", town_body="综合执法局")
        cat.matters["M2"] = Matter.objects.create(code="M2", name="绿化养护监管", department_code="cgj",
                                                  town_body="综合执法局")
        services.responsibility_set(town=world.town_b, matter=cat.matters["M1"],
                                    main_unit=cat.units["321002106000-综合执法局"],
                                    cooperating=[cat.units["321002-cgj"]], valid_from=cat.start, user=reform)
    return cat


PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def evidence_upload(name: str = "人员花名册.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    """A small uploaded file to stand for a supporting document (佐证材料)."""
    return SimpleUploadedFile(name, content, content_type="application/pdf")
