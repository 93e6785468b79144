"""BPMN analysis, validation and execution on SpiffWorkflow 3.2.0 (see bpmn/SPIFF_NOTES.md).

- `analyse(xml)` reads the executable process with lxml: nodes, flows, lanes, candidateGroups,
  time limits, conditions (Spiff does not read candidateGroups and does not check dead ends).
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
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from lxml import etree

from flows import conditions

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
PLATFORM = "http://jczl.gov.cn/schema/bpmn"  # our extension namespace: platform:timeLimit="2工作日"
Q = lambda tag: f"{{{BPMN}}}{tag}"  # noqa: E731

# Element kinds the platform runs. Anything else (scriptTask runs Python inside Spiff!) is refused.
USER_TASKS = {"userTask", "manualTask"}
EVENTS = {"startEvent", "endEvent"}
GATEWAYS = {"exclusiveGateway", "parallelGateway"}
FLOW_NODES = USER_TASKS | EVENTS | GATEWAYS
IGNORED = {"laneSet", "lane", "flowNodeRef", "sequenceFlow", "documentation", "extensionElements",
           "incoming", "outgoing", "textAnnotation", "association", "conditionExpression", "text",
           "childLaneSet", "group", "category"}

_LIMIT = re.compile(r"时限\s*[:：]\s*(\d+(?:\.\d+)?)\s*(工作日|个工作日|工作小时|个工作小时|小时|天|日|d|h)")
_ATTR_LIMIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(工作日|个工作日|工作小时|个工作小时|小时|天|日|d|h)\s*$")


class BpmnError(ValueError):
    def __init__(self, problems: list["Problem"]) -> None:
        super().__init__("；".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Problem:
    element_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.element_id}: {self.message}" if self.element_id else self.message

    def as_dict(self) -> dict[str, str]:
        return {"element_id": self.element_id, "message": self.message}


@dataclass
class Node:
    id: str
    kind: str
    name: str = ""
    lane: str = ""
    lane_id: str = ""
    groups: list[str] = field(default_factory=list)
    incoming: list[str] = field(default_factory=list)
    outgoing: list[str] = field(default_factory=list)
    default: str = ""
    limit: tuple[float, str] | None = None
    limit_error: str = ""

    @property
    def actor_keys(self) -> list[str]:
        """The mapping-table names that decide who may act: candidateGroups, else the lane name."""
        return self.groups or ([self.lane] if self.lane else [])


@dataclass
class Flow:
    id: str
    source: str
    target: str
    name: str = ""
    condition: str | None = None   # as written in the file
    python: str | None = None      # translated, when it translates
    error: str = ""


@dataclass
class Analysis:
    process_id: str
    process_name: str
    nodes: dict[str, Node]
    flows: dict[str, Flow]
    lanes: dict[str, str]          # lane id → name
    has_layout: bool
    unsupported: list[tuple[str, str]]

    def user_tasks(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.kind in USER_TASKS]


def parse_xml(xml: bytes) -> Any:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)
    return etree.fromstring(xml, parser)


def _limit(text: str, pattern: re.Pattern) -> tuple[float, str] | None:
    match = pattern.search(text or "")
    if not match:
        return None
    amount, unit = float(match.group(1)), match.group(2)
    return amount, ("hours" if unit in ("工作小时", "个工作小时", "小时", "h") else "days")


def analyse(xml: bytes) -> Analysis:
    """Read the executable process. Raises BpmnError when it is not BPMN at all."""
    try:
        root = parse_xml(xml)
    except etree.XMLSyntaxError as exc:
        raise BpmnError([Problem("", f"XML 无法解析（第{exc.lineno}行）：{exc.msg}")]) from None
    if root.tag != Q("definitions"):
        raise BpmnError([Problem("", "不是 BPMN 2.0 文件（根元素应为 bpmn:definitions）")])
    processes = root.findall(Q("process"))
    executable = [p for p in processes if p.get("isExecutable") == "true"] or processes
    if not executable:
        raise BpmnError([Problem(root.get("id", ""), "文件中没有流程（bpmn:process）")])
    if len(executable) > 1:
        raise BpmnError([Problem(p.get("id", ""), "一个流程图只能有一个可执行流程") for p in executable])
    proc = executable[0]
    lanes: dict[str, str] = {}
    lane_of: dict[str, tuple[str, str]] = {}
    for lane in proc.iter(Q("lane")):
        lanes[lane.get("id", "")] = (lane.get("name") or "").strip()
        for ref in lane.findall(Q("flowNodeRef")):
            lane_of[(ref.text or "").strip()] = (lane.get("id", ""), (lane.get("name") or "").strip())
    nodes: dict[str, Node] = {}
    flows: dict[str, Flow] = {}
    unsupported: list[tuple[str, str]] = []
    for el in proc:
        if not isinstance(el.tag, str):
            continue
        tag = etree.QName(el).localname
        el_id = el.get("id", "")
        if tag == "sequenceFlow":
            ce = el.find(Q("conditionExpression"))
            flows[el_id] = Flow(el_id, el.get("sourceRef", ""), el.get("targetRef", ""), el.get("name") or "",
                                ce.text if ce is not None else None)
            continue
        if tag in FLOW_NODES:
            lane_id, lane_name = lane_of.get(el_id, ("", ""))
            groups = [g.strip() for g in (el.get(f"{{{CAMUNDA}}}candidateGroups") or "").split(",") if g.strip()]
            node = Node(el_id, tag, (el.get("name") or "").strip(), lane_name, lane_id, groups,
                        default=el.get("default") or "")
            if any(isinstance(c.tag, str) and etree.QName(c).localname.endswith("EventDefinition") for c in el):
                unsupported.append((el_id, f"{tag} 带事件定义（定时/消息等）"))
            if el.find(Q("multiInstanceLoopCharacteristics")) is not None or el.find(Q("standardLoopCharacteristics")) is not None:
                unsupported.append((el_id, "多实例/循环任务"))
            attr = el.get(f"{{{PLATFORM}}}timeLimit")
            docs = " ".join((d.text or "") for d in el.findall(Q("documentation")))
            if attr:
                node.limit = _limit(attr, _ATTR_LIMIT)
                if node.limit is None:
                    node.limit_error = f"时限“{attr}”无法识别，应如“2工作日”或“4工作小时”"
            elif docs:
                node.limit = _limit(docs, _LIMIT)
            nodes[el_id] = node
        elif tag not in IGNORED:
            unsupported.append((el_id, tag))
    for flow in flows.values():
        if flow.source in nodes:
            nodes[flow.source].outgoing.append(flow.id)
        if flow.target in nodes:
            nodes[flow.target].incoming.append(flow.id)
        if flow.condition is not None:
            try:
                flow.python = conditions.translate(flow.condition)
            except conditions.ConditionError as exc:
                flow.error = str(exc)
    has_layout = root.find(f"{{{BPMNDI}}}BPMNDiagram/{{{BPMNDI}}}BPMNPlane") is not None and \
        len(root.find(f"{{{BPMNDI}}}BPMNDiagram/{{{BPMNDI}}}BPMNPlane")) > 0
    return Analysis(proc.get("id", ""), proc.get("name") or "", nodes, flows, lanes, has_layout, unsupported)


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


def validate(xml: bytes, mapped_names: set[str]) -> list[Problem]:
    """Every problem that keeps this map from being published (empty list: publishable)."""
    try:
        a = analyse(xml)
    except BpmnError as exc:
        return exc.problems
    problems: list[Problem] = []
    for el_id, what in a.unsupported:
        problems.append(Problem(el_id, f"平台不支持的元素：{what}（支持：用户任务、开始/结束事件、排他/并行网关）"))
    for node in a.user_tasks():
        label = node.name or node.id
        if not node.name:
            problems.append(Problem(node.id, "用户任务没有名称"))
        if node.groups:
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
        if node.kind != "exclusiveGateway":
            continue
        for fid in node.outgoing:
            flow = a.flows[fid]
            if fid == node.default:
                continue
            if flow.condition is None or not flow.condition.strip():
                problems.append(Problem(fid, f"排他网关“{node.name or node.id}”的出口连线没有条件"))
            elif flow.error:
                problems.append(Problem(fid, f"条件“{flow.condition.strip()}”无法执行：{flow.error}"))
    for flow in a.flows.values():
        src = a.nodes.get(flow.source)
        if flow.condition is not None and src is not None and src.kind != "exclusiveGateway":
            problems.append(Problem(flow.id, "只有排他网关的出口连线可以带条件"))
    problems += _graph_problems(a)
    if not problems:
        problems += _spiff_problems(xml, a)
    return problems


_validator_lock = threading.Lock()
_validator: list[Any] = []


def _spiff_problems(xml: bytes, a: Analysis) -> list[Problem]:
    """XSD schema check and Spiff's own parse (run once at validation; ~18 ms)."""
    from SpiffWorkflow.bpmn.parser import BpmnValidator
    from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

    with _validator_lock:
        if not _validator:
            _validator.append(BpmnValidator())
    try:
        _build_spec(xml, a, validator=_validator[0])
    except ValidationException as exc:
        return [Problem(getattr(exc, "id", "") or a.process_id, f"BPMN 校验失败：{exc}")]
    except Exception as exc:  # noqa: BLE001 - any parser failure is a refusal, not a 500
        return [Problem(a.process_id, f"BPMN 解析失败：{exc}")]
    return []


def _translated_tree(xml: bytes, a: Analysis) -> Any:
    root = parse_xml(xml)
    for ce in root.iter(Q("conditionExpression")):
        flow = a.flows.get(ce.getparent().get("id", ""))
        if flow is not None and flow.python is not None:
            ce.text = flow.python
    return root


def _build_spec(xml: bytes, a: Analysis, validator: Any = None) -> Any:
    from SpiffWorkflow.bpmn.parser import BpmnParser

    parser = BpmnParser(validator=validator)
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


def reached_end(wf: Any) -> str:
    from SpiffWorkflow.bpmn.specs.defaults import EndEvent
    from SpiffWorkflow.util.task import TaskState

    ids = [t.task_spec.bpmn_id for t in wf.get_tasks(state=TaskState.COMPLETED, spec_class=EndEvent)
           if t.task_spec.bpmn_id]
    return ids[-1] if ids else ""


# --- gateway inputs ---------------------------------------------------------------------------


def gateway_fields(a: Analysis, task_spec: str) -> dict[str, list[Any]]:
    """Variables the gateways right after this task decide on, with their known values."""
    out: dict[str, list[Any]] = {}
    for gw in _next_gateways(a, task_spec):
        for fid in a.nodes[gw].outgoing:
            py = a.flows[fid].python
            if py:
                for name, values in conditions.variables(py).items():
                    bucket = out.setdefault(name, [])
                    bucket += [v for v in values if v not in bucket]
    return out


def _next_gateways(a: Analysis, node_id: str) -> list[str]:
    found, todo, seen = [], [node_id], set()
    while todo:
        current = todo.pop()
        for fid in a.nodes[current].outgoing:
            target = a.flows[fid].target
            if target in seen or target not in a.nodes:
                continue
            seen.add(target)
            if a.nodes[target].kind in GATEWAYS:
                if a.nodes[target].kind == "exclusiveGateway":
                    found.append(target)
                todo.append(target)
    return found


def check_gateway_inputs(a: Analysis, task_spec: str, data: dict[str, Any]) -> str | None:
    """A reason in Chinese when the gateways after `task_spec` would find no way out, else None.

    Spiff raises only after the user task is already COMPLETED and leaves the workflow stuck,
    so the platform evaluates the conditions itself, with the merged data, before `task.run()`.
    The walk follows flows through gateways only (the chosen branch of an exclusive gateway).
    """
    todo, seen = list(a.nodes[task_spec].outgoing), set()
    while todo:
        fid = todo.pop()
        if fid in seen:
            continue
        seen.add(fid)
        node = a.nodes.get(a.flows[fid].target)
        if node is None:
            continue
        if node.kind == "parallelGateway":
            todo += node.outgoing
        elif node.kind == "exclusiveGateway":
            chosen = _choose(a, node, data)
            if chosen.startswith("!"):
                return chosen[1:]
            todo.append(chosen)
    return None


def _choose(a: Analysis, gw: Node, data: dict[str, Any]) -> str:
    needed: dict[str, list[Any]] = {}
    for fid in gw.outgoing:
        flow = a.flows[fid]
        if fid == gw.default or not flow.python:
            continue
        for name, values in conditions.variables(flow.python).items():
            needed.setdefault(name, [])
            needed[name] += [v for v in values if v not in needed[name]]
        try:
            if conditions.evaluate(flow.python, data):
                return fid
        except conditions.MissingVariable:
            continue
    if gw.default:
        return gw.default
    label = gw.name or gw.id
    missing = [n for n in needed if n not in data]
    if missing:
        hint = "；".join(f"{n}（可选：{'、'.join(map(str, needed[n])) or '任意'}）" for n in missing)
        return f"!“{label}”需要填写：{hint}"
    hint = "；".join(f"{n} 应为 {'、'.join(map(str, v))}" for n, v in needed.items() if v)
    return f"!“{label}”没有满足条件的出口：{hint}"
