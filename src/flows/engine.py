"""BPMN validation and execution on SpiffWorkflow 3.2.0 (see bpmn/SPIFF_NOTES.md).

- `analyse(xml)` (from `flows.reading`) reads the process the platform runs with lxml: nodes,
  flows, lanes, candidate groups, time limits, conditions.
- `validate(xml, mapped_names)` returns every problem, each naming its BPMN element id.
- `compiled(sha, xml)` parses once per document (JUEL translated in the tree first) and caches
  the spec in process: the document is immutable, so the hash is the cache key.
- `dump_state` / `load_state` serialise the workflow WITHOUT its spec (the cached spec is
  re-attached), which keeps a case row ~1 KB and a step ~1 ms.
"""
from __future__ import annotations

import json
import re
import threading
import zlib
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from flows.reading import (  # noqa: F401 - re-exported: callers use engine.<name>
    BPMN,
    BPMNDI,
    DECIDING,
    GATEWAYS,
    RESERVED_IDS,
    USER_TASKS,
    Analysis,
    BpmnError,
    Flow,
    Node,
    Problem,
    Q,
    analyse,
    parse_xml,
    reserved_id_problems,
)


def _graph_problems(a: Analysis) -> list[Problem]:
    problems: list[Problem] = []
    starts = [n.id for n in a.nodes.values() if n.kind == "startEvent"]
    ends = {n.id for n in a.nodes.values() if n.kind == "endEvent"}
    if len(starts) != 1:
        problems.append(Problem(a.process_id, f"流程必须有且只有一个开始事件（现有 {len(starts)} 个）"))
    if not ends:
        problems.append(Problem(a.process_id, "流程没有结束事件"))
    for flow in a.flows.values():
        for ref in (flow.source, flow.target):
            if ref not in a.nodes:
                problems.append(Problem(flow.id, f"连线指向不存在或不受支持的节点 {ref}"))
    # Reverse reachability from the end events: a node that cannot reach an end is a dead end.
    reaches_end = set(ends)
    changed = True
    while changed:
        changed = False
        for flow in a.flows.values():
            if flow.target in reaches_end and flow.source in a.nodes and flow.source not in reaches_end:
                reaches_end.add(flow.source)
                changed = True
    reachable, todo = set(starts), list(starts)
    while todo:
        for fid in a.nodes[todo.pop()].outgoing:
            target = a.flows[fid].target
            if target in a.nodes and target not in reachable:
                reachable.add(target)
                todo.append(target)
    for node in a.nodes.values():
        if node.kind == "endEvent":
            continue
        if not node.outgoing:
            problems.append(Problem(node.id, f"“{node.name or node.id}”没有出口，流程在此中断（死路）"))
        elif node.id not in reaches_end:
            problems.append(Problem(node.id, f"从“{node.name or node.id}”出发无法到达任何结束事件"))
        if node.id not in reachable and starts:
            problems.append(Problem(node.id, f"“{node.name or node.id}”从开始事件不可达"))
    return problems


_GATEWAY_LABEL = {"exclusiveGateway": "排他网关", "inclusiveGateway": "包容网关", "parallelGateway": "并行网关"}


def _or_joins_in_cycles(a: Analysis) -> list[Problem]:
    """Inclusive joins on a cycle: the OR-join rule ("wait while a token upstream can still
    arrive") is ill-defined there (a token waiting in the loop is upstream of itself), and
    SpiffWorkflow 3.2 implements only the plain case."""
    out = []
    for node in a.nodes.values():
        if node.kind != "inclusiveGateway" or len(node.incoming) < 2:
            continue
        todo, seen = list(node.outgoing), set()
        while todo:
            fid = todo.pop()
            if fid in seen:
                continue
            seen.add(fid)
            target = a.flows[fid].target
            if target == node.id:
                out.append(Problem(node.id, f"包容网关“{node.label}”汇合的分支又绕回到它自己（循环），无法确定何时汇合："
                                            "请改用排他网关汇合，或把循环放在汇合之前"))
                break
            if target in a.nodes:
                todo += a.nodes[target].outgoing
    return out


def _decisions_before_any_task(a: Analysis) -> list[Problem]:
    """Deciding gateways the engine reaches from the start event before any user task.

    The engine runs them when the case is created, before anyone can fill in a variable, so a
    condition that reads one fails every case start (Spiff raises on the missing name).
    """
    from flows import conditions

    out: list[Problem] = []
    todo = [n.id for n in a.nodes.values() if n.kind == "startEvent"]
    seen = set(todo)
    while todo:
        node = a.nodes[todo.pop()]
        if node.kind in DECIDING and len(node.outgoing) > 1:
            names = sorted({v for f in node.outgoing if (py := a.flows[f].python) and f != node.default
                            for v in conditions.uses(py)})
            if names:
                out.append(Problem(node.id, f"{_GATEWAY_LABEL[node.kind]}“{node.label}”在任何办理环节之前就要判断（变量 {'、'.join(names)}），"
                                            "发起办件时还没有人能填写，办件无法启动：请在它之前加一个办理环节"))
        if node.kind in USER_TASKS:
            continue
        for fid in node.outgoing:
            target = a.flows[fid].target
            if target in a.nodes and target not in seen:
                seen.add(target)
                todo.append(target)
    return out


def validate(xml: bytes, mapped_names: set[str]) -> list[Problem]:
    """Every problem that keeps this map from being published (empty list: publishable).

    Each problem names its BPMN element id and says in Chinese what is wrong; no text of lxml,
    libxml2 or SpiffWorkflow reaches it. The checks, in order: supported elements, ids the
    engine reserves, who acts on each user task, time limits, conditions, the graph (one start,
    ends reachable, no dead ends), the token game (`soundness`: no parallel join left waiting),
    then the BPMN XSD and Spiff's own parse.
    """
    from flows import soundness

    try:
        a = analyse(xml)
    except BpmnError as exc:
        return exc.problems
    problems: list[Problem] = []
    for el_id, what in a.unsupported:
        problems.append(Problem(el_id, f"平台不支持的元素：{what}（支持：用户任务、开始/结束事件、排他/并行/包容网关）"))
    problems += reserved_id_problems([*a.nodes, *(el_id for el_id, _ in a.unsupported)])
    for node in a.user_tasks():
        label = node.label
        if not node.name:
            problems.append(Problem(node.id, "用户任务没有名称"))
        if node.group_error:
            problems.append(Problem(node.id, f"“{label}”的{node.group_error}"))
        elif node.groups:
            for g in node.groups:
                if g not in mapped_names:
                    problems.append(Problem(node.id, f"“{label}”的候选组“{g}”不在泳道映射表中，无法确定办理角色"))
        elif node.lane_id:
            if node.lane not in mapped_names:
                problems.append(Problem(node.lane_id, f"泳道“{node.lane or node.lane_id}”不在泳道映射表中，"
                                                      f"其中的“{label}”无法确定办理角色"))
        else:
            problems.append(Problem(node.id, f"“{label}”既不在泳道中也没有候选组，无法确定办理角色"))
        if node.limit_error:
            problems.append(Problem(node.id, node.limit_error))
    for node in a.nodes.values():
        if node.kind not in DECIDING:
            continue
        kind = _GATEWAY_LABEL[node.kind]
        # A gateway with a single outgoing flow is a merge: the flow needs no condition (BPMN
        # semantics; Spiff takes it as the default). Otherwise every non-default flow needs one.
        single = len(node.outgoing) == 1
        for fid in node.outgoing:
            flow = a.flows[fid]
            if fid == node.default:
                continue
            if flow.condition is None or not flow.condition.strip():
                if not single:
                    problems.append(Problem(fid, f"{kind}“{node.label}”的出口连线没有条件（也不是默认连线）"))
            elif flow.error:
                problems.append(Problem(fid, f"条件“{flow.condition.strip()[:200]}”无法执行：{flow.error}"))
        if node.default and node.default not in node.outgoing:
            problems.append(Problem(node.id, f"{kind}“{node.label}”的默认连线 {node.default} 不是它的出口连线"))
        if node.kind == "inclusiveGateway" and len(node.incoming) > 1 and len(node.outgoing) > 1:
            problems.append(Problem(node.id, f"包容网关“{node.label}”既汇合又分支，流程引擎不支持：请拆成一个汇合网关和一个分支网关"))
    for flow in a.flows.values():
        src = a.nodes.get(flow.source)
        if flow.condition is not None and src is not None and src.kind not in DECIDING:
            problems.append(Problem(flow.id, "只有排他网关或包容网关的出口连线可以带条件"))
    graph = _graph_problems(a)
    problems += graph
    if not graph:
        problems += _decisions_before_any_task(a)
        problems += _or_joins_in_cycles(a)
        problems += soundness.problems(a)
    if not problems:
        problems += _spiff_problems(xml, a)
    return problems


_validator_lock = threading.Lock()
_validator: list[Any] = []


# libxml2 schema error types → what they mean to the person who drew the map.
_XSD_REASONS = (
    ("SCHEMAV_ELEMENT_CONTENT", "出现在不允许的位置，或缺少必需的子元素"),
    ("SCHEMAV_CVC_COMPLEX_TYPE_3_2", "带有 BPMN 2.0 不允许的属性"),
    ("SCHEMAV_CVC_COMPLEX_TYPE_4", "缺少必需的属性"),
    ("SCHEMAV_CVC_ENUMERATION_VALID", "的取值不在 BPMN 2.0 允许的范围内"),
    ("SCHEMAV_CVC_DATATYPE_VALID", "的值格式不正确（id 须以字母或下划线开头且不能重复）"),
    ("SCHEMAV_CVC_IDC", "的 id 或引用重复或不存在"),
    ("SCHEMAV_CVC_ELT_1", "不是 BPMN 2.0 定义的元素"),
    ("SCHEMAV_CVC_TYPE", "的类型不正确"),
)
_XSD_WHAT = re.compile(r"Element '(?:\{[^}]*\})?([\w.-]+)'(?:, attribute '(?:\{[^}]*\})?([\w.-]+)')?")


def _element_at(root: Any, line: int) -> Any:
    """The first element that starts on `line` (libxml2 reports lines, not elements)."""
    for el in root.iter():
        if isinstance(el.tag, str) and el.sourceline == line:
            return el
    return None


def _nearest_id(el: Any, fallback: str) -> str:
    while el is not None:
        if el.get("id"):
            return str(el.get("id"))
        el = el.getparent()
    return fallback


def _xsd_problems(root: Any, a: Analysis, schema: Any) -> list[Problem]:
    if schema.validate(root):
        return []
    out: list[Problem] = []
    for err in list(schema.error_log)[:20]:
        what = _XSD_WHAT.search(err.message or "")
        element, attribute = (what.group(1), what.group(2)) if what else ("", None)
        reason = next((r for key, r in _XSD_REASONS if key in (err.type_name or "")), "不符合 BPMN 2.0 XML 架构")
        subject = f"元素 {element} " + (f"的属性 {attribute} " if attribute else "") if element else "该处"
        el = _element_at(root, err.line)
        out.append(Problem(_nearest_id(el, a.process_id), f"不符合 BPMN 2.0 规范（第{err.line}行）：{subject}{reason}"))
    return out


# SpiffWorkflow's ValidationException texts the platform's own checks do not already cover.
_SPIFF_REASONS = (
    ("Non-default exclusive outgoing sequence flow without condition", "网关的出口连线没有条件（也不是默认连线）"),
    ("Multiple outgoing flows are not supported", "该类元素只能有一条出口连线"),
    ("is not executable", "流程未标为可执行"),
    ("Duplicate", "id 重复"),
)


def _spiff_problems(xml: bytes, a: Analysis) -> list[Problem]:
    """XSD schema check and Spiff's own parse (run once at validation; ~18 ms), in Chinese."""
    from SpiffWorkflow.bpmn.parser import BpmnValidator
    from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

    with _validator_lock:
        if not _validator:
            _validator.append(BpmnValidator())
    root = _translated_tree(xml, a)
    _validator[0].preprocess(root)
    problems = _xsd_problems(root, a, _validator[0].validator)
    if problems:
        return problems
    try:
        _build_spec(xml, a)
    except ValidationException as exc:
        text = str(exc)
        reason = next((r for key, r in _SPIFF_REASONS if key in text), "流程引擎无法解析该元素")
        tag = getattr(exc, "tag", "") or ""
        return [Problem(getattr(exc, "id", "") or a.process_id, f"{reason}" + (f"（{tag}）" if tag else ""))]
    except Exception:  # noqa: BLE001 - any parser failure is a refusal in Chinese, not a 500 or engine text
        return [Problem(a.process_id, "流程引擎无法解析此流程图，请检查其中的元素是否都受平台支持")]
    return []


def _translated_tree(xml: bytes, a: Analysis) -> Any:
    """The tree Spiff parses: JUEL conditions replaced by their Python form, and the chosen
    process marked executable (Spiff parses only executable processes; a single process left
    non-executable by bpmn.io or Signavio is the one the platform runs)."""
    root = parse_xml(xml)
    for ce in root.iter(Q("conditionExpression")):
        flow = a.flows.get(ce.getparent().get("id", ""))
        if flow is not None and flow.python is not None:
            ce.text = flow.python
    for proc in root.findall(Q("process")):
        if proc.get("id", "") == a.process_id:
            proc.set("isExecutable", "true")
    return root


def _build_spec(xml: bytes, a: Analysis) -> Any:
    from SpiffWorkflow.bpmn.parser import BpmnParser

    parser = BpmnParser()
    parser.add_bpmn_xml(_translated_tree(xml, a), filename=f"{a.process_id}.bpmn")
    return parser.get_spec(a.process_id)


@dataclass
class Compiled:
    spec: Any
    analysis: Analysis


_cache: dict[str, Compiled] = {}
_cache_lock = threading.Lock()


def compiled(sha: str, xml: bytes | None = None, loader: Any = None) -> Compiled:
    """The parsed spec of a document, parsed once per process (documents never change)."""
    hit = _cache.get(sha)
    if hit is not None:
        return hit
    if xml is None:
        xml = loader()
    a = analyse(xml)
    item = Compiled(_build_spec(xml, a), a)
    with _cache_lock:
        if len(_cache) > 2000:  # bound memory; the demo has 5 templates plus a few overrides
            _cache.clear()
        _cache[sha] = item
    return item


# --- workflow state without the spec ------------------------------------------------------------

# One serializer per thread: its registry toggles an `_encoder_mode` flag while dumping.
_ser = threading.local()


def _serializer() -> tuple[Any, Any, Any]:
    if not hasattr(_ser, "ser"):
        from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
        from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

        ser = BpmnWorkflowSerializer()
        reg = ser.registry
        # The registered converter object for BpmnWorkflow (registry stores a partial of its to_dict).
        _ser.conv = reg.convert_to_dict[reg.typenames[BpmnWorkflow]].args[1].__self__
        _ser.reg, _ser.ser = reg, ser
    return _ser.ser, _ser.reg, _ser.conv


def new_workflow(spec: Any) -> Any:
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

    wf = BpmnWorkflow(spec)
    wf.do_engine_steps()
    return wf


def dump_state(wf: Any) -> bytes:
    from SpiffWorkflow.bpmn.serializer.default.workflow import WorkflowConverter

    ser, reg, conv = _serializer()
    reg._encoder_mode = True
    try:
        dct = WorkflowConverter.to_dict(conv, wf)
        dct["subprocesses"] = conv.mapping_to_dict(wf.subprocesses)
        dct["bpmn_events"] = reg.convert(wf.bpmn_events)
        dct["serializer_version"] = ser.VERSION
        text = json.dumps(dct, cls=ser._encoder_cls, separators=(",", ":"), ensure_ascii=False)
    finally:
        reg._encoder_mode = False
    return zlib.compress(text.encode("utf-8"), 1)


def load_state(spec: Any, blob: bytes) -> Any:
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

    ser, reg, conv = _serializer()
    dct = json.loads(zlib.decompress(bytes(blob)), cls=ser.json_decoder_cls)
    dct.pop("serializer_version", None)
    wf = BpmnWorkflow(spec, {}, deserializing=True)
    wf.tasks = conv.mapping_from_dict(dct["tasks"], UUID, workflow=wf)
    wf.task_tree = wf.tasks.get(UUID(dct["root"]))
    conv.set_default_attributes(wf, dct)
    conv.subprocesses_from_dict(dct["subprocesses"], wf)
    wf.bpmn_events = reg.restore(dct.pop("bpmn_events", []))
    return wf


def ready_user_tasks(wf: Any) -> list[Any]:
    from SpiffWorkflow.util.task import TaskState

    return wf.get_tasks(state=TaskState.READY, manual=True)


def stalled_at(wf: Any) -> list[str]:
    """BPMN ids of the joins a running workflow waits at with nothing left that could reach them.

    With only user tasks, gateways and none events, a workflow that is not completed and has no
    READY user task can never move again: its WAITING joins are named (empty list: not stalled).
    """
    from SpiffWorkflow.util.task import TaskState

    if wf.is_completed() or ready_user_tasks(wf):
        return []
    waiting = wf.get_tasks(state=TaskState.WAITING)
    return sorted({t.task_spec.bpmn_id or t.task_spec.name for t in waiting}) or ["流程"]


def reached_end(wf: Any) -> str:
    from SpiffWorkflow.bpmn.specs.defaults import EndEvent
    from SpiffWorkflow.util.task import TaskState

    ids = [t.task_spec.bpmn_id for t in wf.get_tasks(state=TaskState.COMPLETED, spec_class=EndEvent)
           if t.task_spec.bpmn_id]
    return ids[-1] if ids else ""
