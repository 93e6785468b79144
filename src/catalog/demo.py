"""The Yangzhou catalog demo.

- Items: the committed seed (data/items.csv, real powers with real legal basis; SOURCES.md),
  plus generated routine items (flagged synthetic) so the catalog reaches the reform's 700+
  routine matters that each need a process map. Lists and matters use the real items only.
- Lists: each county issues an approval-service list (~30 items) and an enforcement list
  (~100 items) on 2025-01-01 and revises them on 2026-01-01; every town adopts them, some with
  an added or withheld item (with the reason).
- Matters: 713 职责事项 (generated, flagged synthetic: the real Yangzhou catalogue is not
  published item by item), each split per town into a main and a cooperating unit; a few
  deliberately left without a main unit so the gap report has something to show.
- Admission requests and delegation/adjustment/return procedures in every state, driven
  through the real services by the demo accounts.
"""
from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from catalog import services
from catalog.choices import EntryOp, Holder, ListKind
from catalog.models import Item, ItemList, Matter, Responsibility
from core import audit
from divisions.models import Division

DATA = Path(__file__).resolve().parent / "data"
ISSUED = dt.date(2025, 1, 1)
REVISED = dt.date(2026, 1, 1)
MATTER_TOTAL = 713
APPROVAL_SIZE = 30
ENFORCEMENT_SIZE = 100

# Town bodies by preference (the first that exists in the town takes the matter).
BODIES = {
    "城市管理": ["城市管理局", "自然资源和规划建设局", "规划建设局", "综合执法局"],
    "规划建设": ["自然资源和规划建设局", "规划建设局", "城市管理局"],
    "生态环境": ["社会治理局", "城市管理局", "自然资源和规划建设局", "规划建设局"],
    "市场监管": ["经济发展局"],
    "农业农村": ["经济发展局"],
    "安全生产": ["社会治理局", "经济发展局"],
    "卫生健康": ["社会事业局"],
    "交通运输": ["自然资源和规划建设局", "规划建设局", "城市管理局"],
    "水利": ["自然资源和规划建设局", "规划建设局", "社会治理局"],
    "文化旅游": ["社会事业局"],
    "民政": ["社会事业局"],
    "人社": ["综合服务中心", "社会事业局"],
    "其他": ["党政办公室"],
    "综合治理": ["社会治理局", "指挥调度中心"],
    "党建": ["党建工作局", "党政办公室"],
}
DUTY_OBJECTS = {
    "城市管理": ["背街小巷", "农贸市场周边", "学校周边", "建筑工地周边", "公共厕所", "垃圾中转站", "户外广告招牌",
                 "城市照明设施", "市政道路设施", "公共绿地"],
    "规划建设": ["农房建设", "老旧小区", "物业小区", "燃气使用场所", "自建房", "在建工地", "地下管线", "危旧房屋"],
    "生态环境": ["餐饮油烟", "秸秆禁烧", "河塘水体", "畜禽养殖", "工业企业排污", "噪声扰民", "扬尘源"],
    "市场监管": ["小餐饮", "食品小作坊", "农村集体聚餐", "商超价格", "特种设备", "集贸市场"],
    "农业农村": ["农药经营门店", "农机安全", "动物防疫", "耕地保护", "宅基地", "渔业生产"],
    "安全生产": ["小微企业", "危化品使用单位", "人员密集场所", "出租房屋", "电动自行车充电", "九小场所"],
    "卫生健康": ["村卫生室", "公共场所卫生", "传染病防控", "爱国卫生"],
    "交通运输": ["农村公路", "乡镇客运站点", "道路交通安全"],
    "水利": ["防汛防旱", "河长制巡河", "小型水利工程"],
    "民政": ["困难群众", "留守老人", "养老服务机构", "殡葬管理"],
    "人社": ["劳动用工", "欠薪隐患", "就业服务"],
    "综合治理": ["矛盾纠纷", "信访事项", "重点人群", "网格事件", "平安建设"],
    "党建": ["基层党组织", "党员教育"],
}
DUTIES = ["日常巡查", "隐患排查", "问题处置", "宣传引导", "信息报送"]
COUNTY_HELD = {"安全生产": 0.3, "生态环境": 0.4, "市场监管": 0.3, "卫生健康": 0.5}


def load_items() -> int:
    """The committed seed items (idempotent: existing codes are left alone)."""
    with (DATA / "items.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    existing = set(Item.objects.values_list("code", flat=True))
    new = [Item(code=r["code"], name=r["name"], kind=r["kind"], legal_basis=r["legal_basis"],
                department_code=r["department"], guidance_entry=r["guidance_entry"], domain=r["domain"],
                delegable=r["delegable"] == "1") for r in rows if r["code"] not in existing]
    Item.objects.bulk_create(new, batch_size=1000)
    audit.record_bulk(new)
    return len(new)


ROUTINE_TOTAL = 720  # "700+ routine matters each get a process map" (DESIGN.md §1)
SYNTHETIC_DEPARTMENT = {"城市管理": "cgj", "规划建设": "zjj", "生态环境": "sthj", "市场监管": "scjg", "农业农村": "nyncj",
                        "安全生产": "yjglj", "卫生健康": "wjw", "交通运输": "jtysj", "水利": "slj", "民政": "mzj",
                        "人社": "rsj", "文化旅游": "whlyj"}
SYNTHETIC_KINDS = ["approval", "penalty", "penalty", "inspection", "public_service"]
SYNTHETIC_VERB = {"approval": "审批（核准）", "penalty": "违法行为的处罚", "inspection": "监督检查",
                  "public_service": "便民服务"}


def load_synthetic_items() -> int:
    """Generated routine items up to ROUTINE_TOTAL, named and flagged as synthetic (合成)."""
    missing = ROUTINE_TOTAL - Item.objects.filter(is_routine=True).count()
    if missing <= 0:
        return 0
    domains = list(SYNTHETIC_DEPARTMENT)
    new = []
    for n in range(missing):
        domain, kind = domains[n % len(domains)], SYNTHETIC_KINDS[n % len(SYNTHETIC_KINDS)]
        new.append(Item(code=f"HC-{n + 1:04d}", name=f"{domain}领域第{n + 1}项{SYNTHETIC_VERB[kind]}（合成）",
                        kind=kind, legal_basis="（合成数据：演示用，无真实法律依据）",
                        department_code=SYNTHETIC_DEPARTMENT[domain], domain=domain, delegable=True,
                        is_routine=True, is_synthetic=True))
    Item.objects.bulk_create(new, batch_size=1000)
    audit.record_bulk(new)
    return len(new)


def _pick_lists(rng: random.Random, items: list[Item]) -> dict[str, list[Item]]:
    delegable = [i for i in items if i.delegable]
    approval = [i for i in delegable if i.list_kind == ListKind.APPROVAL]
    enforcement = [i for i in delegable if i.list_kind == ListKind.ENFORCEMENT]
    return {ListKind.APPROVAL: rng.sample(approval, min(APPROVAL_SIZE, len(approval))),
            ListKind.ENFORCEMENT: rng.sample(enforcement, min(ENFORCEMENT_SIZE, len(enforcement)))}


def _lists(rng: random.Random, users: dict[str, Any], say: Callable[[str], Any]) -> None:
    items = list(Item.objects.filter(is_synthetic=False).order_by("code"))
    for county in Division.objects.filter(level="county").order_by("code"):
        reform = users.get(f"demo-reform-{county.code[:6]}")
        chosen = _pick_lists(rng, items)
        for kind, picked in chosen.items():
            item_list = services.item_list_issue(county=county, kind=kind, items=sorted(picked, key=lambda i: i.code),
                                                 effective_date=ISSUED, reason=f"{county.name}统一{ListKind(kind).label}（依据省指导目录）",
                                                 user=reform)
            spare = [i for i in items if i.delegable and i.list_kind == kind and i not in picked]
            entries = [{"item": i.code, "op": EntryOp.ADD, "reason": "省指导目录更新后新增"} for i in rng.sample(spare, min(2, len(spare)))]
            entries.append({"item": picked[0].code, "op": EntryOp.REMOVE, "reason": "办件量极少，调整为县级部门行使"})
            services.list_version_record(item_list=item_list, effective_date=REVISED, entries=entries,
                                         reason="年度动态调整", user=reform)
            chosen[kind] = [i for i in picked if i.code != picked[0].code]
        for n, town in enumerate(Division.objects.filter(level="town", parent=county).order_by("code")):
            for kind, picked in chosen.items():
                added, withheld = [], []
                if n % 5 == 1 and kind == ListKind.ENFORCEMENT:
                    extra = [i for i in items if i.delegable and i.list_kind == kind and i not in picked]
                    if extra:
                        added.append((rng.choice(extra), "本镇工业企业集中，经审查具备承接能力"))
                if n % 6 == 2:
                    withheld.append((rng.choice(picked), "本镇无相关办件需求，经县级审查暂不承接"))
                services.item_list_adopt(town=town, kind=kind, effective_date=ISSUED, reason="承接县级统一清单",
                                         added=added, withheld=withheld, user=reform)
    say(f"  清单：{ItemList.objects.count()} 份")


def _matters(items: list[Item]) -> list[Matter]:
    matters: list[Matter] = []
    for item in items:
        holder = Holder.TOWN if item.delegable else Holder.COUNTY
        body = "行政审批局" if item.list_kind == ListKind.APPROVAL else "综合执法局"
        matters.append(Matter(code=f"ZS-{item.code}", name=f"行使“{item.name}”", domain=item.domain, item=item,
                              department_code=item.department_code, default_holder=holder, town_body=body,
                              description="依法行使本权力事项", is_synthetic=True))
    for item in items:
        if item.kind in ("penalty", "inspection"):
            subject = item.name.removeprefix("对").removesuffix("的处罚").removesuffix("的监督检查")
            matters.append(Matter(code=f"XF-{item.code}", name=f"{subject}的巡查发现与劝导", domain=item.domain,
                                  department_code=item.department_code, default_holder=Holder.TOWN,
                                  town_body="综合执法局", description="巡查发现、劝导制止、上报", is_synthetic=True))
    dept_of = {"城市管理": "cgj", "规划建设": "zjj", "生态环境": "sthj", "市场监管": "scjg", "农业农村": "nyncj",
               "安全生产": "yjglj", "卫生健康": "wjw", "交通运输": "jtysj", "水利": "slj", "民政": "mzj", "人社": "rsj",
               "综合治理": "sfj", "党建": "bb"}
    n = 0
    for domain, objects in DUTY_OBJECTS.items():
        for obj in objects:
            for duty in DUTIES:
                n += 1
                matters.append(Matter(code=f"ZZ-{n:03d}", name=f"{obj}{duty}", domain=domain,
                                      department_code=dept_of[domain], default_holder=Holder.TOWN,
                                      town_body=BODIES[domain][0], description=f"{domain}领域属地职责",
                                      is_synthetic=True))
    matters = matters[:MATTER_TOTAL]
    Matter.objects.bulk_create(matters, batch_size=1000)
    audit.record_bulk(matters)
    return list(Matter.objects.select_related("item").order_by("code"))


def _responsibilities(rng: random.Random, matters: list[Matter]) -> int:
    """Main and cooperating units for every matter in every town (bulk, audited)."""
    from org.models import Unit

    units: dict[str, dict[str, Unit]] = {}
    for unit in Unit.objects.filter(division__level__in=["town", "county"]).exclude(kind="stationed"):
        key = unit.code.split("-")[1] if unit.kind == "county_department" and "-" in unit.code else unit.name
        units.setdefault(unit.division_id, {})[key] = unit
    withheld: dict[tuple[str, str], bool] = {}
    for town_list in ItemList.objects.filter(base__isnull=False).prefetch_related("versions"):
        for version in town_list.versions.all():
            for e in version.entries:
                if e["op"] == EntryOp.REMOVE:
                    withheld[(town_list.division_id, e["item"])] = True
    rows: list[Responsibility] = []
    coop_pairs: list[tuple[int, Unit | None]] = []
    towns = list(Division.objects.filter(level="town").order_by("code"))
    gap_towns = {t.code for t in towns[::17]}
    for town in towns:
        mine, county = units.get(town.code, {}), units.get(town.code[:6] + "000000", {})
        for m in matters:
            dept = county.get(m.department_code)
            chain = [m.town_body] + BODIES.get(m.domain, []) + ["党政办公室"]
            body = next((mine[name] for name in chain if name in mine), None)
            county_held = m.default_holder == Holder.COUNTY or (
                m.item is not None and withheld.get((town.code, m.item.code)))
            if not county_held and m.domain in COUNTY_HELD and m.code.startswith("ZZ") and rng.random() < COUNTY_HELD[m.domain] / 4:
                county_held = True
            main, coop = (dept, body) if county_held else (body, dept)
            if town.code in gap_towns and rng.random() < 0.01:
                main = None  # a few holes, so the gap report has something to show
            rows.append(Responsibility(division=town, matter=m, main_unit=main, valid_from=ISSUED,
                                       note="演示数据（合成）"))
            coop_pairs.append((len(rows) - 1, coop))
    Responsibility.objects.bulk_create(rows, batch_size=2000)
    audit.record_bulk(rows)
    through = Responsibility.cooperating_units.through
    links = [through(responsibility_id=rows[i].pk, unit_id=u.pk) for i, u in coop_pairs
             if u is not None and (rows[i].main_unit_id != u.pk)]
    through.objects.bulk_create(links, batch_size=5000)
    return len(rows)


def _procedures(users: dict[str, Any]) -> None:
    """Admission requests and delegation/adjustment/return in every state, in 广陵区."""
    reform, dept = users["demo-reform-321002"], users["demo-dept-321002"]
    county_unit = dept.unit
    today = timezone.localdate()
    if county_unit is None:
        return
    towns = list(Division.objects.filter(level="town", parent_id="321002000000").order_by("code"))
    # admissions: approved (with assignments), submitted, returned, rejected, withdrawn
    plans = [
        ("背街小巷环境卫生长效管理", "approve", "随交 2 名协管员与经费 30 万元，资源到位"),
        ("城市道路积水点巡查上报", "approve", "任务明确，纳入网格巡查"),
        ("共享单车停放秩序管理", None, ""),
        ("建筑垃圾运输车辆夜间巡查", "return", "未写明随交执法车辆和系统权限"),
        ("户外广告设施安全隐患排查", "reject", "属部门法定职责，不得转嫁乡镇"),
        ("城管执法队员考勤管理", "withdraw", ""),
    ]
    for title, decision, reason in plans:
        a = services.admission_file(department=county_unit, title=title, legal_basis="《城市市容和环境卫生管理条例》、扬州市相关规定",
                                    description=f"{title}，由乡镇（街道）属地落实", staff=2, funds=30, systems="数字城管系统账号",
                                    valid_until=dt.date(today.year + 1, 12, 31), user=dept)
        if decision == "withdraw":
            services.admission_withdraw(admission=a, reason="部门内部调整，撤回申请", user=dept)
        elif decision:
            a = services.admission_review(admission=a, decision=decision, reason=reason, user=reform)
        if decision == "approve":
            for town in towns[:3]:
                services.assignment_create(town=town, admission=a, title=f"{town.name}{title}",
                                           due_date=today + dt.timedelta(days=30), user=dept)
    # returns in every state, by the towns' command centres, on 城管 items of their enforcement list
    from catalog import selectors

    states = ["submitted", "dept_reviewed", "returned", "approved", "in_force", "rejected", "withdrawn"]
    for town, state in zip(towns, states, strict=False):
        town_user = users.get(f"demo-town-{town.code[:9]}")
        town_list = selectors.town_list_of(town.code, ListKind.ENFORCEMENT)
        if town_list is None or town_user is None:
            continue
        codes = [c for c in selectors.list_state(town_list).codes if Item.objects.get(code=c).department_code == "cgj"]
        if not codes:
            continue
        item = Item.objects.get(code=codes[-1])
        effective = today if state == "in_force" else today + dt.timedelta(days=30)
        change = services.change_file(
            kind="return", town=town, item=item, reason_category="staff",
            reason=f"{town.name}综合执法局仅有执法人员 4 名，近一年该事项办件 0 件，难以保持执法能力",
            evidence="执法人员花名册；近一年办件统计表",
            evidence_files=[ContentFile(f"{town.name}综合执法局执法人员花名册（演示用合成数据）\n".encode(),
                                        name="执法人员花名册.txt")], legal_reviewer=f"{town.name}司法所",
            legal_opinion="退还程序合法，移交安排可行", legal_review_date=today, effective_date=effective,
            handover_plan="生效前在办案件逐件移交县城市管理局，卷宗同步移交", user=town_user)
        if state == "withdrawn":
            services.change_withdraw(change=change, reason="经协调暂不退还", user=town_user)
            continue
        if state == "submitted":
            continue
        services.change_department_opinion(change=change, agree=state != "rejected", opinion="同意收回，做好衔接"
                                           if state != "rejected" else "乡镇已具备执法条件，不同意收回", user=dept)
        if state == "dept_reviewed":
            continue
        decision = {"returned": "return", "rejected": "reject"}.get(state, "approve")
        services.change_decide(change=change, decision=decision, reason={"return": "请补充在办案件清单",
                               "reject": "县级部门意见不同意，维持现状"}.get(decision, "理由充分，同意退还"), user=reform)
    # a delegation and an adjustment, approved, effective next month
    for town, kind in zip(towns[-2:], ("delegation", "adjustment"), strict=False):
        town_list = selectors.town_list_of(town.code, ListKind.ENFORCEMENT)
        if town_list is None:
            continue
        present = set(selectors.list_state(town_list, today + dt.timedelta(days=30)).codes)
        candidates = [i for i in Item.objects.filter(delegable=True, kind="penalty", department_code="cgj", is_synthetic=False)
                      if i.code not in present]
        if not candidates:
            continue
        change = services.change_file(kind=kind, op="add", town=town, item=candidates[0], reason="群众办事就近需求大，赋予乡镇",
                                      effective_date=today + dt.timedelta(days=30), user=reform)
        services.change_department_opinion(change=change, agree=True, opinion="同意下放", user=dept)
        services.change_decide(change=change, decision="approve", reason="同意", user=reform)


@transaction.atomic
def load(say: Callable[[str], Any]) -> None:
    if ItemList.objects.exists():
        say("权责清单：已存在，跳过")
        return
    from accounts.models import User

    users = {u.username: u for u in User.objects.filter(username__startswith="demo-")}
    rng = random.Random(713)
    with audit.acting_as(name="load_demo", source="import"):
        n_items = load_items()
        _lists(rng, users, say)
        matters = _matters(list(Item.objects.filter(is_synthetic=False).order_by("code")))
        n_resp = _responsibilities(rng, matters)
        n_synthetic = load_synthetic_items()
    # the procedures run as the demo accounts, through the real services
    with audit.acting_as(name="load_demo", source="import"):
        _procedures(users)
    with audit.acting_as(name="load_demo", source="import"):
        services.changes_apply_due()
    say(f"权责清单：事项 {Item.objects.count()}（真实 {n_items}，合成常办事项 {n_synthetic}），职责事项 {len(matters)}（合成），"
        f"职责分工 {n_resp} 条")
