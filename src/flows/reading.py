"""Reading a BPMN 2.0 file into the platform's model of it (no SpiffWorkflow here).

- `parse_xml(xml)`: lxml root; a DOCTYPE or entity declaration, or malformed XML, is a
  `BpmnError` in Chinese (line and column only, no libxml2 text).
- `analyse(xml)`: the one process the platform runs (the executable one, else the only one with
  flow nodes), its nodes, flows, lanes, candidate groups (camunda:, activiti:, flowable:
  attributes and zeebe:assignmentDefinition), time limits and conditions translated by
  `flows.conditions` (Spiff reads neither candidate groups nor dead ends).
- `reserved_id_problems(ids)`: ids that are SpiffWorkflow's own task-spec names.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from core.errors import PlatformError
from core.text import normalize_key, normalize_text
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
GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway"}
DECIDING = {"exclusiveGateway", "inclusiveGateway"}  # gateways whose outgoing flows carry conditions
FLOW_NODES = USER_TASKS | EVENTS | GATEWAYS
# Task-spec names SpiffWorkflow 3.2 creates itself (bpmn/specs/bpmn_process_spec.py: 'Start', 'End',
# '<process>.EndJoin'; bpmn/parser/TaskParser.py: '<id>.BoundaryEventSplit|Join', '<id> [child]';
# 'Root' is dropped by its serializer, specs/WorkflowSpec.py and serializer/default/process_spec.py).
# A BPMN element with such an id replaces the engine's own spec: the map parses, then every start fails.
RESERVED_IDS = frozenset({"Start", "End", "Root"})
RESERVED_SUFFIXES = (".EndJoin", ".BoundaryEventSplit", ".BoundaryEventJoin", " [child]")
IGNORED = {"laneSet", "lane", "flowNodeRef", "sequenceFlow", "documentation", "extensionElements",
           "incoming", "outgoing", "textAnnotation", "association", "conditionExpression", "text",
           "childLaneSet", "group", "category"}
# How an unsupported element is named in a refusal (the BPMN tag follows in brackets).
_KIND_LABELS = {
    "inclusiveGateway": "包容网关", "complexGateway": "复杂网关", "eventBasedGateway": "事件网关",
    "serviceTask": "服务任务", "scriptTask": "脚本任务", "businessRuleTask": "业务规则任务", "sendTask": "发送任务",
    "receiveTask": "接收任务", "subProcess": "子流程", "adHocSubProcess": "自由子流程", "transaction": "事务子流程",
    "callActivity": "调用活动", "boundaryEvent": "边界事件", "intermediateCatchEvent": "中间捕获事件",
    "intermediateThrowEvent": "中间抛出事件", "dataObject": "数据对象", "dataObjectReference": "数据对象",
    "dataStoreReference": "数据存储", "ioSpecification": "输入输出定义", "property": "属性定义",
    "startEvent": "开始事件", "endEvent": "结束事件", "userTask": "用户任务", "manualTask": "人工任务", "task": "任务",
}


def _kind(tag: str) -> str:
    label = _KIND_LABELS.get(tag)
    return f"{label}（{tag}）" if label else tag

_LIMIT = re.compile(r"时限\s*[:：]\s*(\d+(?:\.\d+)?)\s*(工作日|个工作日|工作小时|个工作小时|小时|天|日|d|h)")
_ATTR_LIMIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(工作日|个工作日|工作小时|个工作小时|小时|天|日|d|h)\s*$")


class BpmnError(PlatformError):
    """The file is not usable BPMN: a 400 `invalid_bpmn` with every problem (Chinese, element id)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("；".join(str(p) for p in problems), code="invalid_bpmn",
                         fields={"problems": [p.as_dict() for p in problems]})
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
    memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)  # derived data (inputs.fields)

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
    """Comma-separated as Camunda writes them; after NFKC a full-width comma is a comma, and
    the Chinese enumeration comma 、 separates too."""
    return [key for g in re.split(r"[,、]", normalize_text(value)) if (key := normalize_key(g))]


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
        lane_name = normalize_key(lane.get("name"))  # matched against the mapping table's names
        lanes[lane.get("id", "")] = lane_name
        for ref in lane.findall(Q("flowNodeRef")):
            lane_of[(ref.text or "").strip()] = (lane.get("id", ""), lane_name)
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
            if any(isinstance(c.tag, str) and etree.QName(c).localname.endswith("EventDefinition") for c in el):
                unsupported.append((el_id, f"{_kind(tag)}带事件定义（定时、消息、信号等）"))
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
            unsupported.append((el_id, _kind(tag)))
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
