"""Writes: import, validate and publish process maps; start cases and complete their tasks.

Rules (each refusal is a PlatformError with a Chinese reason and changes nothing):
- a map is published only when `engine.validate` finds no problem; publishing retires the
  previous published version of the same (item, division); drafts alone are edited;
- a case runs the map in force for its town (the town's own, else the county's) and keeps
  that version for life; a retried start with the same idempotency key returns the first case;
- only a READY user task is completed, only by a user whose roles/unit match its lane (or
  candidateGroups) through LaneMapping and who belongs to the case's own town (their division
  is the town, or their unit is a body stationed in it): a city or county user supervises a
  town's case but does not take its steps (issue 11 item 2); gateway inputs
  are type-checked (`flows.inputs`) before the engine runs, and an engine failure is refused
  in Chinese naming the element, the restored workflow discarded (nothing written); the case
  row is written once per action, compare-and-set on `revision`, and the step is appended to
  the history;
- no SpiffWorkflow text reaches a user: a map that cannot start is a PlatformError too.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from core import audit, cachegen, workcal
from core.errors import Conflict, NotAllowed, NotFound, PlatformError
from core.files import store_on_commit
from core.inserts import insert_ignoring_conflicts
from core.roles import Role, has_role
from core.scoping import code_level, scope_for
from core.uploads import ATTACHMENT_KINDS, check_upload
from flows import engine, selectors
from flows import inputs as flow_inputs
from flows.choices import CaseState, MapStatus
from flows.layout import generate_layout
from flows.models import BpmnDocument, Case, CaseAttachment, CaseStep, LaneMapping, ProcessMap

MAP_WRITERS = (Role.REFORM_OFFICE, Role.COUNTY_COMMAND, Role.TOWN_COMMAND, Role.CITY_COMMAND)
CASE_STARTERS = (Role.DEPT_HANDLER, Role.TOWN_COMMAND, Role.COUNTY_COMMAND, Role.CITY_COMMAND)
MAX_XML = 2 * 1024 * 1024
MAX_FILE = 20 * 1024 * 1024
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,49}$")


def _covers(user: Any, code: str) -> bool:
    return scope_for(user).covers(code)


# --- documents and maps -------------------------------------------------------------------------


def document_store(*, xml: bytes) -> BpmnDocument:
    """The content-addressed document for these exact bytes (created once)."""
    sha = hashlib.sha256(xml).hexdigest()
    doc = BpmnDocument.objects.filter(sha256=sha).first()
    if doc is None:
        doc = BpmnDocument.objects.create(sha256=sha, xml=xml, size=len(xml))
    return doc


def _check_xml(xml: Any) -> bytes:
    if isinstance(xml, str):
        xml = xml.encode("utf-8")
    if not xml or not xml.strip():
        raise PlatformError("BPMN 内容为空", code="empty", fields={"xml": ["请上传 .bpmn 文件或粘贴 XML"]})
    if len(xml) > MAX_XML:
        raise PlatformError("BPMN 文件过大（上限 2 MB）", code="too_large")
    try:
        engine.analyse(xml)
    except engine.BpmnError as exc:
        raise PlatformError(f"无法导入：{exc}", code="invalid_bpmn",
                            fields={"problems": [p.as_dict() for p in exc.problems]}) from None
    return xml


def _map_writable(user: Any, division_code: str) -> None:
    if not has_role(user, MAP_WRITERS):
        raise NotAllowed("您的角色无权维护流程图")
    if not _covers(user, division_code):
        raise NotFound("区划不存在或不在您的管辖范围内")
    if code_level(division_code) not in ("county", "town"):
        raise PlatformError("流程图由县（市、区）发布，或由镇（街道）发布本地版本", code="bad_division",
                            fields={"division": ["应为县级或镇街区划"]})


@transaction.atomic
def processmap_import(*, user: Any, item: Any, division_code: str, xml: Any, source_name: str = "",
                      name: str = "") -> ProcessMap:
    """A new draft version from an uploaded/pasted BPMN file (a layout is generated only if missing)."""
    _map_writable(user, division_code)
    xml = _check_xml(xml)
    analysis = engine.analyse(xml)
    generated = False
    if not analysis.has_layout:
        xml = generate_layout(xml)
        generated = True
    doc = document_store(xml=xml)
    last = ProcessMap.objects.filter(item=item, division_id=division_code).aggregate(v=Max("version"))["v"] or 0
    try:
        with transaction.atomic():
            return ProcessMap.objects.create(
                item=item, division_id=division_code, version=last + 1, status=MapStatus.DRAFT, document=doc,
                process_id=analysis.process_id, name=name or analysis.process_name or item.name,
                source_name=source_name[:200], layout_generated=generated, created_by=user if user.pk else None)
    except IntegrityError:  # two imports for the same item and division at the same moment
        raise Conflict("同一事项的流程图正在被他人同时保存，请重试", code="concurrent_update") from None


@transaction.atomic
def processmap_save(*, user: Any, process_map: ProcessMap, xml: Any) -> ProcessMap:
    """Save XML from the modeler: a draft is updated in place, a published map gets a new draft."""
    _map_writable(user, process_map.division_id)
    if process_map.status != MapStatus.DRAFT:
        return processmap_import(user=user, item=process_map.item, division_code=process_map.division_id, xml=xml,
                                 source_name="modeler", name=process_map.name)
    xml = _check_xml(xml)
    analysis = engine.analyse(xml)
    if not analysis.has_layout:
        xml = generate_layout(xml)
    process_map.document = document_store(xml=xml)
    process_map.process_id = analysis.process_id
    process_map.save(update_fields=["document", "process_id"])
    return process_map


def processmap_validate(*, process_map: ProcessMap) -> list[engine.Problem]:
    return engine.validate(process_map.document.xml_bytes, set(selectors.lane_mappings()))


@transaction.atomic
def processmap_publish(*, user: Any, process_map: ProcessMap) -> ProcessMap:
    """Publish a draft after validation; the previous published version is retired."""
    _map_writable(user, process_map.division_id)
    locked = ProcessMap.objects.select_for_update().get(pk=process_map.pk)
    if locked.status != MapStatus.DRAFT:
        raise Conflict(f"只有草稿可以发布（当前状态：{locked.get_status_display()}）", code="not_draft")
    problems = processmap_validate(process_map=locked)
    if problems:
        raise PlatformError(f"流程图校验未通过，共 {len(problems)} 个问题：" + "；".join(map(str, problems)),
                            code="invalid_map", fields={"problems": [p.as_dict() for p in problems]})
    for old in ProcessMap.objects.select_for_update().filter(item_id=locked.item_id, division_id=locked.division_id,
                                                             status=MapStatus.PUBLISHED):
        old.status = MapStatus.RETIRED
        old.save(update_fields=["status"])
    locked.status = MapStatus.PUBLISHED
    locked.published_at = timezone.now()
    locked.published_by = user if user.pk else None
    locked.save(update_fields=["status", "published_at", "published_by"])
    return locked


@transaction.atomic
def processmap_retire(*, user: Any, process_map: ProcessMap) -> ProcessMap:
    _map_writable(user, process_map.division_id)
    if process_map.status != MapStatus.PUBLISHED:
        raise Conflict("只有已发布的流程图可以停用", code="not_published")
    process_map.status = MapStatus.RETIRED
    process_map.save(update_fields=["status"])
    return process_map


def lanemapping_changed() -> None:
    cachegen.bump(selectors.LANES_CACHE)


# --- cases --------------------------------------------------------------------------------------


def _compiled_sha(sha: str) -> engine.Compiled:
    return engine.compiled(sha, loader=lambda: bytes(
        BpmnDocument.objects.filter(sha256=sha).values_list("xml", flat=True).get()))


def _compiled(pm: ProcessMap) -> engine.Compiled:
    return _compiled_sha(pm.document.sha256)


def _limit_for(node: engine.Node) -> tuple[float, str] | None:
    if node.limit:
        return node.limit
    for key in node.actor_keys:
        m = selectors.lane_mappings().get(key)
        if m is not None and m.limit_amount:
            return float(m.limit_amount), m.limit_unit or "days"
    return None


def _ready_entries(wf: Any, analysis: engine.Analysis, now: dt.datetime,
                   previous: dict[str, dict] | None = None) -> list[dict]:
    out = []
    for task in engine.ready_user_tasks(wf):
        tid = str(task.id)
        if previous and tid in previous:
            out.append(previous[tid])
            continue
        node = analysis.nodes[task.task_spec.bpmn_id]
        limit = _limit_for(node)
        due = workcal.due_time(now, limit[0], limit[1]) if limit else None
        out.append({"id": tid, "spec": node.id, "name": node.name or node.id, "lane": node.lane,
                    "keys": node.actor_keys, "opened_at": now.isoformat(),
                    "due_at": due.due_at.isoformat() if due else None,
                    "provisional": bool(due and due.provisional)})
    return out


def _apply_ready(case: Case, ready: list[dict]) -> None:
    case.ready_tasks = ready
    keys = sorted({k for r in ready for k in r["keys"]})
    case.ready_lanes = ("|" + "|".join(keys) + "|") if keys else ""
    case.current_step = "、".join(r["name"] for r in ready)[:200]
    dues = [r["due_at"] for r in ready if r["due_at"]]
    case.due_at = dt.datetime.fromisoformat(min(dues)) if dues else None
    case.due_provisional = any(r.get("provisional") for r in ready)
    case.overdue = False


def _new_number(town_code: str, now: dt.datetime) -> str:
    return f"{town_code[:9]}-{now:%Y%m%d}-{secrets.token_hex(5).upper()}"


def _build_case(*, user: Any, item: Any, town_code: str, pm: ProcessMap, now: dt.datetime, title: str,
                applicant: str, data: dict, key: str | None, synthetic: bool = False) -> Case:
    try:
        comp = _compiled(pm)
        wf = engine.new_workflow(comp.spec)
    except Exception as exc:  # noqa: BLE001 - a map published before a check existed; never a 500
        raise PlatformError(f"流程图 v{pm.version} 无法启动（{getattr(getattr(exc, 'task_spec', None), 'bpmn_id', None) or pm.process_id}），"
                            "请联系流程图维护人员修正后重新发布", code="workflow_error") from None
    if data:
        for task in engine.ready_user_tasks(wf):
            task.data.update(data)
    case = Case(number=_new_number(town_code, now), item=item, division_id=town_code, process_map=pm,
                spec_sha=pm.document.sha256,
                title=title[:200] or item.name[:200], applicant=applicant[:100], started_by=user if user.pk else None,
                started_at=now, idempotency_key=key, data=dict(data), is_synthetic=synthetic,
                workflow_state=engine.dump_state(wf))
    _apply_ready(case, _ready_entries(wf, comp.analysis, now))
    if wf.is_completed():
        case.state, case.completed_at = CaseState.COMPLETED, now
    return case


def _start_checks(user: Any, item: Any, town_code: str) -> ProcessMap:
    if not has_role(user, CASE_STARTERS):
        raise NotAllowed("您的角色无权发起办件")
    if code_level(town_code) != "town":
        raise PlatformError("办件必须属于一个镇（街道）", code="bad_division", fields={"division": ["应为镇街区划"]})
    if not _covers(user, town_code):
        raise NotFound("区划不存在或不在您的管辖范围内")
    pm = selectors.map_in_force(item.pk, town_code)
    if pm is None:
        raise PlatformError(f"事项“{item.name}”在该镇街没有已发布的流程图，不能发起办件", code="no_map",
                            fields={"item": ["没有已发布的流程图"]})
    return pm


def _check_data(data: Any, field: str = "data") -> dict:
    if data in (None, ""):
        return {}
    if not isinstance(data, dict):
        raise PlatformError("填报内容必须是键值对象", code="bad_inputs", fields={field: ["必须是 JSON 对象"]})
    bad = [k for k in data if not isinstance(k, str) or not _NAME.match(k)]
    if bad:
        raise PlatformError(f"字段名不合法：{'、'.join(map(str, bad))}（字母开头，只含字母、数字、下划线）",
                            code="bad_inputs", fields={field: [f"字段名不合法：{b}" for b in bad]})
    for k, v in data.items():
        if not isinstance(v, (str, int, float, bool, type(None))) or (isinstance(v, str) and len(v) > 2000):
            raise PlatformError(f"字段 {k} 的值必须是文字、数字或是/否（文字不超过 2000 字）", code="bad_inputs",
                                fields={field: [f"{k} 的值不合法"]})
    return dict(data)


def case_start(*, user: Any, item: Any, division_code: str, title: str = "", applicant: str = "",
               data: Any = None, idempotency_key: str | None = None) -> Case:
    """Start a case on the map in force. A retry with the same idempotency key returns the same case."""
    return case_start_once(user=user, item=item, division_code=division_code, title=title, applicant=applicant,
                           data=data, idempotency_key=idempotency_key)[0]


def case_start_once(*, user: Any, item: Any, division_code: str, title: str = "", applicant: str = "",
                    data: Any = None, idempotency_key: str | None = None) -> tuple[Case, bool]:
    """Start a case; returns `(case, created)`. With an idempotency key (≤ 100 characters) a retry
    returns the first case and `created=False` — also for concurrent retries: the row is written by
    one `INSERT … ON CONFLICT DO NOTHING` on the key's unique index (`core.inserts`), never a check
    then an insert, so of twenty simultaneous retries exactly one inserts and the others read it.
    A key already used for a case the user cannot see is a 409 (`idempotency_key_used`), naming
    nothing of that case. Refusals as `_start_checks` (403, 400, 404)."""
    key = (idempotency_key or "").strip()[:100] or None
    if key:
        existing = _keyed_case(key, user)  # the common retry: one read, no workflow built
        if existing is not None:
            return existing, False
    data = _check_data(data)
    pm = _start_checks(user, item, division_code)
    now = timezone.now()
    case = _build_case(user=user, item=item, town_code=division_code, pm=pm, now=now, title=title,
                       applicant=applicant, data=data, key=key)
    if key is None:
        case.save(force_insert=True)
        return case, True
    with transaction.atomic():
        rows = insert_ignoring_conflicts(Case, [case])
        if rows:
            case.pk = rows[0][0]
            case._state.adding = False
            audit.record(case, "create", None, audit.snapshot(case))  # the insert bypassed save()
            return case, True
    existing = _keyed_case(key, user)
    if existing is None:  # INSERT OR IGNORE skipped the row for another reason (a number collision): a bug
        raise RuntimeError(f"case with idempotency key {key!r} neither inserted nor found")
    return existing, False


def _keyed_case(key: str, user: Any) -> Case | None:
    existing = Case.objects.filter(idempotency_key=key).first()
    if existing is not None and not Case.objects.visible_to(user).filter(pk=existing.pk).exists():
        raise Conflict("该幂等键已被使用", code="idempotency_key_used")
    return existing


@transaction.atomic
def cases_start_bulk(*, user: Any, item: Any, division_code: str, count: int, title: str = "",
                     synthetic: bool = True, started_at: dt.datetime | None = None) -> list[Case]:
    """Start `count` cases at once (demo and benchmark loads): the same checks, one bulk insert, audited."""
    pm = _start_checks(user, item, division_code)
    now = started_at or timezone.now()
    cases = [_build_case(user=user, item=item, town_code=division_code, pm=pm, now=now, title=title,
                         applicant="", data={}, key=None, synthetic=synthetic) for _ in range(count)]
    Case.objects.bulk_create(cases, batch_size=1000)
    audit.record_bulk(cases)
    return cases


def _slim(case: Case) -> dict:
    return {"state": case.state, "current_step": case.current_step, "ready_lanes": case.ready_lanes,
            "due_at": case.due_at.isoformat() if case.due_at else None, "overdue": case.overdue,
            "revision": case.revision, "end_event": case.end_event, "data": case.data}


def case_complete_task(*, user: Any, case_id: int, task_id: str, inputs: Any = None, comment: str = "",
                       files: Iterable[Any] = ()) -> CaseStep:
    """Complete one ready user task of a case (see the module rules). Returns the appended step."""
    inputs = _check_data(inputs, "inputs")
    files = list(files)
    for f in files:
        if f.size > MAX_FILE:
            raise PlatformError(f"附件“{f.name}”超过 20 MB", code="file_too_large", fields={"files": [f.name]})
    # by content, against the one allowed list (core.uploads): a renamed .exe is refused by name
    checked = []
    for f in files:
        content = f.read()
        _, name = check_upload(content, f.name, allowed=ATTACHMENT_KINDS)
        checked.append((content, name))
    with transaction.atomic():
        # One query: the case, its map and the document's hash (not its XML: the spec is cached by hash).
        found = list(Case.objects.writable_by(user).filter(pk=case_id).order_by()[:1])
        if not found:
            raise NotFound("办件不存在或不在您的管辖范围内")
        case = found[0]
        if case.state != CaseState.RUNNING:
            raise Conflict("办件已办结，不能再办理", code="case_closed")
        comp = _compiled_sha(case.spec_sha)
        wf = engine.load_state(comp.spec, case.workflow_state)
        ready = {str(t.id): t for t in engine.ready_user_tasks(wf)}
        task = ready.get(str(task_id))
        if task is None:
            names = "、".join(t.task_spec.bpmn_name or t.task_spec.bpmn_id for t in ready.values()) or "无"
            raise Conflict(f"该环节当前不可办理（只有就绪的环节可以办理；当前待办：{names}）", code="task_not_ready")
        node = comp.analysis.nodes[task.task_spec.bpmn_id]
        if not selectors.acts_in(user, case.division_id):
            raise NotAllowed(f"您不能办理“{node.name or node.id}”：该办件属于{case.division.name}，"
                             "由该镇（街道）的人员办理；上级可以查看、督办，但不代办", code="not_your_task")
        if not selectors.user_may_act(user, node.actor_keys, division_code=case.division_id):
            raise NotAllowed(f"您不能办理“{node.name}”：该环节由{selectors.describe_keys(node.actor_keys)}办理",
                             code="not_your_task")
        wrong_type = flow_inputs.check_types(comp.analysis, node.id, inputs)
        if wrong_type:
            raise _gateway_refusal(comp, node.id, wrong_type)
        # The step's decisions are made now: an answer left from an earlier round (a review that
        # sent the case back) must not decide again silently, so the engine sees only this step's.
        for f in flow_inputs.fields(comp.analysis, node.id):
            if f.name not in inputs:
                task.data.pop(f.name, None)
        merged = {**task.data, **inputs}
        now = timezone.now()
        previous = {r["id"]: r for r in case.ready_tasks}
        entry = previous.get(str(task.id), {})
        task.data.update(inputs)
        try:
            task.run()
            wf.do_engine_steps()
        except Exception as exc:  # noqa: BLE001 - the workflow object is discarded; nothing was written
            raise _engine_refusal(comp, node.id, exc, merged) from None
        stalled = engine.stalled_at(wf)
        if stalled:  # a map published before the token-game check: never leave a case stuck
            names = "、".join(f"“{comp.analysis.nodes[s].label}”（{s}）" if s in comp.analysis.nodes else s for s in stalled)
            raise PlatformError(f"这样办理会使办件停在{names}，永远等不到其余分支，未作任何更改；"
                                "请换一个选择，或请流程图维护人员修正流程图", code="workflow_stalled")
        before = _slim(case)
        old_revision = case.revision
        case.revision += 1
        case.data = {**case.data, **inputs}
        previous.pop(str(task.id), None)
        _apply_ready(case, _ready_entries(wf, comp.analysis, now, previous))
        if wf.is_completed():
            case.state, case.completed_at, case.end_event = CaseState.COMPLETED, now, engine.reached_end(wf)
        fields = dict(workflow_state=engine.dump_state(wf), revision=case.revision, data=case.data,
                      ready_tasks=case.ready_tasks, ready_lanes=case.ready_lanes, current_step=case.current_step,
                      due_at=case.due_at, due_provisional=case.due_provisional, overdue=False, state=case.state,
                      completed_at=case.completed_at, end_event=case.end_event)
        if not Case.objects.filter(pk=case.pk, revision=old_revision).update(**fields):
            raise Conflict("办件已被他人同时办理，请刷新后重试", code="concurrent_update")
        due = dt.datetime.fromisoformat(entry["due_at"]) if entry.get("due_at") else None
        seq = case.revision  # one revision per completed step
        step = CaseStep(
            case=case, division_id=case.division_id, seq=seq, task_id=str(task.id), task_spec=node.id,
            task_name=node.name or node.id, lane=node.lane or "、".join(node.groups), actor=user,
            actor_name=str(user)[:150],
            opened_at=dt.datetime.fromisoformat(entry["opened_at"]) if entry.get("opened_at") else None,
            completed_at=now, inputs=inputs, comment=comment[:5000], due_at=due, overdue=bool(due and now > due))
        # One insert for the step and one for both audit entries: a step is the platform's hottest write.
        CaseStep.objects.bulk_create([step])
        audit.record_many([(case, "update", before, _slim(case)), (step, "create", None, audit.snapshot(step))])
        for content, name in checked:
            digest = hashlib.sha256(content).hexdigest()
            # written when the step's transaction commits: a refused step leaves no orphan file
            path = store_on_commit(f"flows/{case.division_id}/{case.pk}/{digest[:16]}-{name[-80:]}", content)
            CaseAttachment.objects.create(case=case, step=step, division_id=case.division_id, name=name[:200],
                                          path=path, size=len(content), sha256=digest, uploaded_by=user)
        return step


def _gateway_refusal(comp: engine.Compiled, task_spec: str, reason: str) -> PlatformError:
    wanted = flow_inputs.fields(comp.analysis, task_spec)
    return PlatformError(reason, code="gateway_inputs",
                         fields={"inputs": [reason], "expected": flow_inputs.values_by_name(comp.analysis, task_spec),
                                 "fields": [f.as_dict() for f in wanted]})


def _engine_refusal(comp: engine.Compiled, task_spec: str, exc: Exception, data: dict) -> PlatformError:
    """An engine failure as a Chinese refusal naming the element; never the engine's own text.

    At a gateway the reason is recomputed from its conditions in the engine's order
    (`inputs.engine_refusal`): which input is missing, of the wrong type, or matches no flow.
    """
    spec = getattr(exc, "task_spec", None)
    element = getattr(spec, "bpmn_id", None) or getattr(spec, "name", "") or ""
    node = comp.analysis.nodes.get(element)
    if node is not None and node.kind in engine.GATEWAYS:
        return _gateway_refusal(comp, task_spec, flow_inputs.engine_refusal(comp.analysis, comp.spec, element, data))
    where = f"“{node.label}”（{node.id}）" if node is not None else (f"“{element}”" if element else "流程图")
    return PlatformError(f"流程在{where}处无法继续，未作任何更改；请联系流程图维护人员检查该环节",
                         code="workflow_error")


def cases_flag_overdue(*, now: dt.datetime | None = None, batch: int = 1000) -> int:
    """Flag running cases whose current step is past due (compare-and-set; audited; idempotent)."""
    now = now or timezone.now()
    flagged = 0
    with audit.acting_as(name="overdue_sweep", source="task"):
        while True:
            ids = list(Case.objects.filter(state=CaseState.RUNNING, overdue=False, due_at__lt=now)
                       .values_list("id", flat=True)[:batch])
            if not ids:
                return flagged
            with transaction.atomic():
                for case in Case.objects.filter(pk__in=ids).only("id", "division_id", "number", "title", "due_at"):
                    if Case.objects.filter(pk=case.pk, overdue=False, state=CaseState.RUNNING,
                                           due_at__lt=now).update(overdue=True):
                        audit.record(case, "update", before={"overdue": False},
                                     after={"overdue": True, "due_at": case.due_at.isoformat()})
                        flagged += 1


def lanemapping_seed_defaults() -> None:
    """Used by tests and the data migration's twin: ensure the seven standard lanes exist."""
    from flows.lanes import DEFAULT_LANES

    for row in DEFAULT_LANES:
        LaneMapping.objects.get_or_create(name=row["name"], defaults={
            **{k: v for k, v in row.items() if k != "name"},
            "limit_amount": Decimal(str(row["limit_amount"])) if row.get("limit_amount") else None})
    lanemapping_changed()
