"""Yangzhou demo for flows: a published county map for every routine item in every county (from
the templates, by item kind), a few town overrides, demo town staff who can act, and open cases
in every state (each task position, overdue, completed) in a few towns, 东关街道 first.

Maps are bulk-inserted (≈5,000 rows sharing 5 template documents) and audited with record_bulk;
cases start through the real case service (bulk start) and advance through case_complete_task.
"""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from core import audit
from core.roles import Role
from divisions.models import Division
from flows import services
from flows.choices import TEMPLATE_FOR_KIND, MapStatus
from flows.models import Case, ProcessMap
from flows.templates_dir import template_bytes

DEMO_TOWNS = ["321002001000", "321002106000", "321003001000"]  # 东关街道, 湾头镇, 蒋王街道
# (username suffix, roles, unit name, display suffix)
STAFF = [
    ("handler", [Role.DEPT_HANDLER], "行政审批局", "行政审批局窗口"),
    ("officer", [Role.DEPT_HANDLER], "综合执法局", "综合执法局执法队员"),
    (Role.LEADER, [Role.LEADER], "党政办公室", "分管领导"),
]
# Answers that drive each template down its common path (the alternative branch for some cases).
ANSWERS = {
    "approval": [{"Task_Review": {"review": "pass"}, "Task_Decide": {"decision": "approve"}},
                 {"Task_Review": {"review": "correction"}, "Task_Decide": {"decision": "reject"}}],
    "penalty": [{"Task_Notify": {"hearing": "no"}}, {"Task_Notify": {"hearing": "yes"}}],
    "inspection": [{"Task_OnSite": {"finding": "ok"}}, {"Task_OnSite": {"finding": "problem"}}],
    "public_service": [{"Task_Handle": {"result": "done"}}, {"Task_Handle": {"result": "refer"}}],
}
LANE_USER = {"受理窗口": "handler", "承办人": "handler", "审核人": "handler", "负责人": Role.LEADER,
             "执法队员": "officer", "法制审核": "officer", "网格员": "handler"}


def _override_xml() -> bytes:
    """The approval template with tighter town limits (时限 in the task documentation)."""
    xml = template_bytes("approval")
    return xml.replace('<bpmn:userTask id="Task_Accept" name="受理">'.encode(),
                       '<bpmn:userTask id="Task_Accept" name="受理"><bpmn:documentation>时限:4工作小时'
                       '</bpmn:documentation>'.encode())


def _publish_county_maps(items: list[Any], counties: list[Division]) -> int:
    docs = {key: services.document_store(xml=template_bytes(key)) for key in set(TEMPLATE_FOR_KIND.values())}
    process_ids = {key: services.engine.analyse(template_bytes(key)).process_id for key in docs}
    now = timezone.now()
    rows = []
    for county in counties:
        for item in items:
            key = TEMPLATE_FOR_KIND.get(item.kind, "public_service")
            rows.append(ProcessMap(item=item, division=county, version=1, status=MapStatus.PUBLISHED, name=item.name[:200],
                                   document=docs[key], process_id=process_ids[key], source_name=f"template:{key}",
                                   published_at=now))
    ProcessMap.objects.bulk_create(rows, batch_size=2000)
    audit.record_bulk(rows)
    return len(rows)


def _staff(towns: list[Division]) -> dict[str, dict[str, Any]]:
    from accounts.demo import DEMO_PASSWORD
    from accounts.models import User
    from org.models import Unit

    password = make_password(DEMO_PASSWORD)
    out: dict[str, dict[str, Any]] = {}
    new = []
    for town in towns:
        units = {u.name: u for u in Unit.objects.filter(division=town)}
        out[town.code] = {}
        for suffix, roles, unit_name, label in STAFF:
            unit = next((u for name, u in units.items() if unit_name in name), None)
            user = User(username=f"demo-{suffix}-{town.code[:9]}", division=town, unit=unit, roles=roles,
                        display_name=f"{town.name}{label}", password=password, is_synthetic=True)
            new.append(user)
            out[town.code][suffix] = user
    User.objects.bulk_create(new)
    audit.record_bulk(new)
    return out


def _advance(case: Case, users: dict[str, Any], answers: dict[str, dict], steps: int) -> Case:
    for _ in range(steps):
        case.refresh_from_db()
        if case.state != "running" or not case.ready_tasks:
            break
        ready = case.ready_tasks[0]
        user = users[LANE_USER.get(ready["keys"][0], "handler")]
        inputs = answers.get(ready["spec"], {})
        if ready["spec"] == "Task_Review" and inputs.get("review") == "correction" and case.steps.filter(
                task_spec="Task_Review").exists():
            inputs = {"review": "pass"}  # one round of correction, then pass
        with audit.acting_as(user, source="import"):
            services.case_complete_task(user=user, case_id=case.pk, task_id=ready["id"], inputs=inputs,
                                        comment="演示办理意见")
    case.refresh_from_db()
    return case


def _cases(town: Division, staff: dict[str, Any], items_by_kind: dict[str, list[Any]], rng: random.Random) -> int:
    handler = staff["handler"]
    made = 0
    for kind, key in (("approval", "approval"), ("penalty", "penalty"), ("inspection", "inspection"),
                      ("public_service", "public_service")):
        items = items_by_kind.get(kind) or []
        for item in items[:1]:
            for answers in ANSWERS[key]:
                for position in range(0, 12):  # 0 steps done … to the end: every task position, then completed
                    case = services.case_start(user=handler, item=item, division_code=town.code,
                                               title=f"{item.name[:40]}（演示）", applicant=f"申请人{rng.randint(100, 999)}")
                    case = _advance(case, staff, answers, position)
                    made += 1
                    if case.state == "completed":
                        break
        if items:
            # A backlog at the first step, started weeks ago: overdue once the sweep runs.
            started = timezone.now() - dt.timedelta(days=rng.randint(20, 40))
            made += len(services.cases_start_bulk(user=handler, item=items[0], division_code=town.code, count=15,
                                                  title=f"{items[0].name[:40]}（积压演示）", started_at=started))
    return made


def load(say: Callable[[str], Any]) -> None:
    from catalog.models import Item

    if ProcessMap.objects.filter(source_name__startswith="template:").exists():
        say("流程图与办件：已存在，跳过")
        return
    items = list(Item.objects.filter(is_routine=True).order_by("code"))
    if not items:
        say("流程图与办件：目录中没有常办事项，跳过")
        return
    counties = list(Division.objects.filter(level="county", code__startswith="3210").order_by("code"))
    towns = list(Division.objects.filter(code__in=DEMO_TOWNS).order_by("code"))
    rng = random.Random(4)
    with audit.acting_as(name="load_demo", source="import"), transaction.atomic():
        n_maps = _publish_county_maps(items, counties)
        staff = _staff(towns)
    by_kind: dict[str, list[Any]] = {}
    for item in items:
        by_kind.setdefault(item.kind, []).append(item)
    overrides = 0
    for town in towns[:2]:
        editor = next(iter(staff[town.code].values()))
        editor_roles = list(editor.roles)
        editor.roles = [Role.TOWN_COMMAND]  # map editing needs an editing role; the demo user keeps theirs
        with audit.acting_as(name="load_demo", source="import"):
            for item in by_kind.get("approval", [])[:3]:
                pm = services.processmap_import(user=editor, item=item, division_code=town.code, xml=_override_xml(),
                                                source_name="demo-override", name=f"{item.name[:150]}（{town.name}版）")
                services.processmap_publish(user=editor, process_map=pm)
                overrides += 1
        editor.roles = editor_roles
    n_cases = 0
    with transaction.atomic():
        for town in towns:
            n_cases += _cases(town, staff[town.code], by_kind, rng)
        flagged = services.cases_flag_overdue()
    say(f"流程图：{n_maps} 张县级流程图（{len(items)} 个常办事项 × {len(counties)} 个县区），{overrides} 张镇街版本；"
        f"办件 {n_cases} 件（超期 {flagged} 件）；办件账号 demo-handler/officer/leader-<镇街9位代码>")
