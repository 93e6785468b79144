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
# Camunda 7 still accepts the Activiti namespace; Flowable writes its own. Same attribute names.
ACTIVITI = "http://activiti.org/bpmn"
FLOWABLE = "http://flowable.org/bpmn"
ASSIGNMENT_NAMESPACES = (CAMUNDA, ACTIVITI, FLOWABLE)
ZEEBE = "http://camunda.org/schema/zeebe/1.0"  # Camunda 8: <zeebe:assignmentDefinition candidateGroups=…/>
PLATFORM = "http://jczl.gov.cn/schema/bpmn"  # our extension namespace: platform:timeLimit="2工作日"
Q = lambda tag: f"{{{BPMN}}}{tag}"  # noqa: E731

# Element kinds the platform runs. Anything else (scriptTask runs Python inside Spiff!) is refused.
USER_TASKS = {"userTask", "manualTask", "task"}  # bpmn:task: the abstract task Signavio, ADONIS, ARIS write (Spiff: manual)
EVENTS = {"startEvent", "endEvent"}
GATEWAYS = {"exclusiveGateway", "parallelGateway"}
# Read into the graph (so the structural checks see them) but refused: Spiff 3.2's inclusive join
# is documented there as partial ("only converging Inclusive Gateways are supported").
GRAPH_ONLY = {"inclusiveGateway"}
FLOW_NODES = USER_TASKS | EVENTS | GATEWAYS | GRAPH_ONLY
# Task-spec names SpiffWorkflow 3.2 creates itself (bpmn/specs/bpmn_process_spec.py: 'Start', 'End',
# '<process>.EndJoin'; bpmn/parser/TaskParser.py: '<id>.BoundaryEventSplit|Join', '<id> [child]';
# 'Root' is dropped by its serializer, specs/WorkflowSpec.py and serializer/default/process_spec.py).
# A BPMN element with such an id replaces the engine's own spec: the map parses, then every start fails.
RESERVED_IDS = frozenset({"Start", "End", "Root"})
RESERVED_SUFFIXES = (".EndJoin", ".BoundaryEventSplit", ".BoundaryEventJoin", " [child]")
IGNORED = {"laneSet", "lane", "flowNodeRef", "sequenceFlow", "documentation", "extensionElements",
           "incoming", "outgoing", "textAnnotation", "association", "conditionExpression", "text",
           "childLaneSet", "group", "category"}
_KIND_LABELS = {"inclusiveGateway": "包容网关"}

_LIMIT = re.compile(r"时限\s*[:：]\s*(\d+(?:\.\d+)?)\s*(工作日|个工作日|工作小时|个工作小时|小时|天|日|d|h)")
_ATTR_LIMIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(工作日|个工作日|工作小时|个工作小时|小时|天|日|d|h)\s*$")


class BpmnError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
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
    group_error: str = ""

    @property
    def actor_keys(self) -> list[str]:
        """The mapping-table names that decide who may act: candidateGroups, else the lane name."""
        return self.groups or ([self.lane] if self.lane else [])

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass
class Flow:
    id: str
    source: str
    target: str
    name: str = ""
    condition: str | None = None   # as written in the file
    python: str | None = None      # translated, when it translates
    error: str = ""
    language: str = ""


@dataclass
class Analysis:
    process_id: str
    process_name: str
    nodes: dict[str, Node]
    flows: dict[str, Flow]
    lanes: dict[str, str]          # lane id → name
    has_layout: bool
    unsupported: list[tuple[str, str]]
    executable: bool = True        # the file marks the process isExecutable="true"

    def user_tasks(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.kind in USER_TASKS]


_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.I)


def parse_xml(xml: bytes) -> Any:
    """The lxml root of a BPMN file; BpmnError (in Chinese) for a DOCTYPE, entities or bad XML.

    A DOCTYPE is refused before parsing (entity expansion, external entities: OWASP XXE) and
    again after it (an encoding that hides the bytes from the scan). No libxml2 text reaches
    the message: only the line and column.
    """
    match = _DOCTYPE.search(xml[:65536]) or _DOCTYPE.search(xml)
    if match:
        line = xml[:match.start()].count(b"\n") + 1
        raise BpmnError([Problem("", f"BPMN 文件不能包含 DOCTYPE 或实体声明（第{line}行）")])
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False, load_dtd=False,
                             huge_tree=False)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.lineno or 0, exc.offset or 0
        raise BpmnError([Problem("", f"XML 格式错误，无法解析（第{line}行第{column}列附近）")]) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise BpmnError([Problem("", "BPMN 文件不能包含 DOCTYPE 或实体声明")])
    return root


def _limit(text: str, pattern: re.Pattern) -> tuple[float, str] | None:
    match = pattern.search(text or "")
    if not match:
        return None
    amount, unit = float(match.group(1)), match.group(2)
    return amount, ("hours" if unit in ("工作小时", "个工作小时", "小时", "h") else "days")


def _has_nodes(proc: Any) -> bool:
    return any(isinstance(c.tag, str) and etree.QName(c).localname in FLOW_NODES for c in proc)


def _choose_process(root: Any) -> Any:
    """The one process the platform runs: the executable one; if none is marked executable (the
    bpmn.io and Signavio default), the one process with flow nodes (empty pools are ignored)."""
    processes = root.findall(Q("process"))
    executable = [p for p in processes if p.get("isExecutable") == "true"]
    candidates = executable or [p for p in processes if _has_nodes(p)] or processes
    if not candidates:
        raise BpmnError([Problem(root.get("id", ""), "文件中没有流程（bpmn:process）")])
    if len(candidates) > 1:
        what = "可执行流程" if executable else "流程（都未标为可执行）"
        raise BpmnError([Problem(p.get("id", ""), f"一个流程图只能有一个{what}，本文件有 {len(candidates)} 个")
                         for p in candidates])
    return candidates[0]


def _split_groups(value: str) -> list[str]:
    return [g.strip() for g in value.split(",") if g.strip()]


def _candidate_groups(el: Any) -> tuple[list[str], str]:
    """candidateGroups from camunda:, activiti:, flowable: attributes and zeebe:assignmentDefinition.

    Returns (groups, error): an expression (JUEL `${…}`, FEEL `=…`) cannot be mapped to a lane,
    so it is an error in Chinese rather than silently ignored.
    """
    values = [v for ns in ASSIGNMENT_NAMESPACES if (v := el.get(f"{{{ns}}}candidateGroups")) is not None]
    for ad in el.iterfind(f"{Q('extensionElements')}/{{{ZEEBE}}}assignmentDefinition"):
        if ad.get("candidateGroups") is not None:
            values.append(ad.get("candidateGroups"))
    groups: list[str] = []
    for value in values:
        text = value.strip()
        if conditions.is_feel(text):
            return [], f"候选组“{text}”：{conditions.FEEL_MESSAGE}，请直接写组名（逗号分隔）"
        if "${" in text or "#{" in text:
            return [], f"候选组“{text}”是表达式，平台无法据此确定办理角色，请直接写组名（逗号分隔）"
        groups += [g for g in _split_groups(text) if g not in groups]
    return groups, ""


def analyse(xml: bytes) -> Analysis:
    """Read the process the platform runs. Raises BpmnError when it is not usable BPMN at all."""
    root = parse_xml(xml)
    if root.tag != Q("definitions"):
        raise BpmnError([Problem(root.get("id", ""), "不是 BPMN 2.0 文件（根元素应为 bpmn:definitions）")])
    proc = _choose_process(root)
    default_language = root.get("expressionLanguage") or ""
    if not conditions.is_feel(None, default_language):
        default_language = ""  # the BPMN default (XPath) is what every modeler writes and nobody means
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
            flow = Flow(el_id, el.get("sourceRef", ""), el.get("targetRef", ""), (el.get("name") or "").strip(),
                        ce.text if ce is not None else None)
            if ce is not None:
                flow.language = ce.get("language") or default_language
                if ce.get(f"{{{CAMUNDA}}}resource"):
                    flow.error = "不支持外部脚本条件（camunda:resource）"
                    flow.condition = flow.condition or ce.get(f"{{{CAMUNDA}}}resource")
            flows[el_id] = flow
            continue
        if tag in FLOW_NODES:
            lane_id, lane_name = lane_of.get(el_id, ("", ""))
            groups, group_error = _candidate_groups(el)
            node = Node(el_id, tag, (el.get("name") or "").strip(), lane_name, lane_id, groups,
                        default=el.get("default") or "", group_error=group_error)
            if tag in GRAPH_ONLY:
                unsupported.append((el_id, _KIND_LABELS.get(tag, tag)))
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
        if flow.condition is not None and not flow.error:
            try:
                flow.python = conditions.translate(flow.condition, flow.language)
            except conditions.ConditionError as exc:
                flow.error = str(exc)
    plane = root.find(f"{{{BPMNDI}}}BPMNDiagram/{{{BPMNDI}}}BPMNPlane")
    has_layout = plane is not None and len(plane) > 0
    return Analysis(proc.get("id", ""), proc.get("name") or "", nodes, flows, lanes, has_layout, unsupported,
                    executable=proc.get("isExecutable") == "true")


def reserved_id_problems(ids: list[str]) -> list[Problem]:
    """Element ids that collide with the task-spec names SpiffWorkflow creates (RESERVED_IDS)."""
    out = []
    for el_id in ids:
        if el_id in RESERVED_IDS or el_id.endswith(RESERVED_SUFFIXES):
            out.append(Problem(el_id, f"元素 id “{el_id}”与流程引擎内部的任务名冲突（保留名：Start、End、Root 及以 "
                                      f".EndJoin、.BoundaryEventSplit、.BoundaryEventJoin 结尾的名称），请改用其他 id"))
    return out


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
        problems.append(Problem(el_id, f"平台不支持的元素：{what}（支持：用户任务、开始/结束事件、排他/并行网关）"))
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
        if node.kind not in ("exclusiveGateway", "inclusiveGateway"):
            continue
        # A gateway with a single outgoing flow is a merge: the flow needs no condition (BPMN
        # semantics; Spiff takes it as the default). Otherwise every non-default flow needs one.
        single = len(node.outgoing) == 1
        for fid in node.outgoing:
            flow = a.flows[fid]
            if fid == node.default:
                continue
            if flow.condition is None or not flow.condition.strip():
                if not single:
                    problems.append(Problem(fid, f"排他网关“{node.label}”的出口连线没有条件（也不是默认连线）"))
            elif flow.error:
                problems.append(Problem(fid, f"条件“{flow.condition.strip()[:200]}”无法执行：{flow.error}"))
        if node.default and node.default not in node.outgoing:
            problems.append(Problem(node.id, f"网关“{node.label}”的默认连线 {node.default} 不是它的出口连线"))
    for flow in a.flows.values():
        src = a.nodes.get(flow.source)
        if flow.condition is not None and src is not None and src.kind not in ("exclusiveGateway", "inclusiveGateway"):
            problems.append(Problem(flow.id, "只有排他网关的出口连线可以带条件"))
    graph = _graph_problems(a)
    problems += graph
    if not graph:
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


def reached_end(wf: Any) -> str:
    from SpiffWorkflow.bpmn.specs.defaults import EndEvent
    from SpiffWorkflow.util.task import TaskState

    ids = [t.task_spec.bpmn_id for t in wf.get_tasks(state=TaskState.COMPLETED, spec_class=EndEvent)
           if t.task_spec.bpmn_id]
    return ids[-1] if ids else ""
