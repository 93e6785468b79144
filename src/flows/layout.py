"""Generated layout for a BPMN file that has none (imported files with a layout keep theirs).

Left to right by BFS depth from the start event (150 px columns), lanes as horizontal bands
(120 px rows), one cell per (lane, column, row): shapes never overlap. Edges are orthogonal.
"""
from __future__ import annotations

from collections import defaultdict, deque

from lxml import etree

from flows.engine import BPMN, BPMNDI, Analysis, analyse, parse_xml

DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
SIZES = {"userTask": (100, 80), "manualTask": (100, 80), "task": (100, 80), "exclusiveGateway": (50, 50),
         "parallelGateway": (50, 50), "inclusiveGateway": (50, 50), "startEvent": (36, 36), "endEvent": (36, 36)}
COL, ROW, LANE_X, LANE_PAD = 150, 120, 190, 10


def _depths(a: Analysis) -> dict[str, int]:
    starts = [n.id for n in a.nodes.values() if n.kind == "startEvent"] or list(a.nodes)[:1]
    depth = dict.fromkeys(starts, 0)
    queue = deque(starts)
    while queue:
        current = queue.popleft()
        for fid in a.nodes[current].outgoing:
            target = a.flows[fid].target
            if target in a.nodes and target not in depth:
                depth[target] = depth[current] + 1
                queue.append(target)
    tail = max(depth.values(), default=0) + 1
    for nid in a.nodes:  # unreachable nodes go to a column of their own
        depth.setdefault(nid, tail)
    return depth


def generate_layout(xml: bytes) -> bytes:
    """The same document with a BPMNDiagram added (only call when it has none)."""
    a = analyse(xml)
    root = parse_xml(xml)
    depth = _depths(a)
    lane_ids = list(a.lanes) or [""]
    node_lane = {nid: (n.lane_id if n.lane_id in a.lanes else lane_ids[0]) for nid, n in a.nodes.items()}
    rows: dict[tuple[str, int], int] = defaultdict(int)
    cell: dict[str, tuple[str, int]] = {}
    for nid in sorted(a.nodes, key=lambda n: (depth[n], n)):
        key = (node_lane[nid], depth[nid])
        cell[nid] = (node_lane[nid], rows[key])
        rows[key] += 1
    lane_rows = {lid: max([r for (l2, _d), r in rows.items() if l2 == lid] or [1]) for lid in lane_ids}
    lane_top, y = {}, 80
    for lid in lane_ids:
        lane_top[lid] = y
        y += lane_rows[lid] * ROW + 2 * LANE_PAD
    bottom = y
    width = (max(depth.values(), default=0) + 1) * COL + 80
    centre: dict[str, tuple[float, float]] = {}
    bounds: dict[str, tuple[float, float, float, float]] = {}
    for nid, node in a.nodes.items():
        lid, row = cell[nid]
        cx = LANE_X + 30 + 75 + depth[nid] * COL
        cy = lane_top[lid] + LANE_PAD + row * ROW + ROW / 2
        w, h = SIZES.get(node.kind, (100, 80))
        centre[nid] = (cx, cy)
        bounds[nid] = (cx - w / 2, cy - h / 2, w, h)

    collab = root.find(f"{{{BPMN}}}collaboration")
    diagram = etree.SubElement(root, f"{{{BPMNDI}}}BPMNDiagram", id="BPMNDiagram_Generated")
    plane_ref = collab.get("id") if collab is not None else a.process_id
    plane = etree.SubElement(diagram, f"{{{BPMNDI}}}BPMNPlane", id="BPMNPlane_Generated", bpmnElement=plane_ref)

    def shape(element_id: str, x: float, y: float, w: float, h: float, **extra: str) -> None:
        el = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNShape", id=f"{element_id}_di", bpmnElement=element_id, **extra)
        etree.SubElement(el, f"{{{DC}}}Bounds", x=str(int(x)), y=str(int(y)), width=str(int(w)), height=str(int(h)))

    if collab is not None:
        for participant in collab.findall(f"{{{BPMN}}}participant"):
            if participant.get("processRef") == a.process_id:
                shape(participant.get("id"), LANE_X - 30, 80, width + 30, bottom - 80, isHorizontal="true")
        for lid in a.lanes:
            shape(lid, LANE_X, lane_top[lid], width, lane_rows[lid] * ROW + 2 * LANE_PAD, isHorizontal="true")
    for nid, (bx, by, bw, bh) in bounds.items():
        extra = {"isMarkerVisible": "true"} if a.nodes[nid].kind == "exclusiveGateway" else {}
        shape(nid, bx, by, bw, bh, **extra)
    for fid, flow in a.flows.items():
        if flow.source not in bounds or flow.target not in bounds:
            continue
        sx, sy, sw, sh = bounds[flow.source]
        tx, ty, tw, th = bounds[flow.target]
        start = (sx + sw, sy + sh / 2)
        end = (tx, ty + th / 2)
        if tx <= sx:  # a loop back: leave from the bottom, come back along below both shapes
            low = max(sy + sh, ty + th) + 20
            points = [(sx + sw / 2, sy + sh), (sx + sw / 2, low), (tx + tw / 2, low), (tx + tw / 2, ty + th)]
        elif abs(start[1] - end[1]) < 1:
            points = [start, end]
        else:
            mid = (start[0] + end[0]) / 2
            points = [start, (mid, start[1]), (mid, end[1]), end]
        edge = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNEdge", id=f"{fid}_di", bpmnElement=fid)
        for px, py in points:
            etree.SubElement(edge, f"{{{DI}}}waypoint", x=str(int(px)), y=str(int(py)))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def shapes_overlap(xml: bytes) -> list[tuple[str, str]]:
    """Pairs of flow-node shapes whose bounds intersect (lanes and pools excluded)."""
    a = analyse(xml)
    root = parse_xml(xml)
    boxes = []
    for s in root.iter(f"{{{BPMNDI}}}BPMNShape"):
        if s.get("bpmnElement") in a.nodes:
            b = s.find(f"{{{DC}}}Bounds")
            boxes.append((s.get("bpmnElement"), float(b.get("x")), float(b.get("y")),
                          float(b.get("width")), float(b.get("height"))))
    out = []
    for i, (n1, x1, y1, w1, h1) in enumerate(boxes):
        for n2, x2, y2, w2, h2 in boxes[i + 1:]:
            if x1 < x2 + w2 and x2 < x1 + w1 and y1 < y2 + h2 and y2 < y1 + h1:
                out.append((n1, n2))
    return out
