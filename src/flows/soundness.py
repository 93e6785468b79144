"""Can every run of this map end? The token game over the graph, before publishing.

A case whose tokens stop at a parallel join that one branch can never reach stays "running"
forever with no ready task and no due time (SpiffWorkflow does not notice). Which branch a
gateway takes depends on data, so the check plays every choice: the reachable markings of the
map read as a Petri net (BPMN 2.0 §13 token semantics), explored breadth first:

- a start event puts one token on each outgoing flow;
- a task (and an exclusive gateway) takes one token from one incoming flow; a task puts one
  on every outgoing flow (an implicit parallel split), an exclusive gateway on any one;
- a parallel gateway waits for a token on every incoming flow and puts one on every outgoing;
- an inclusive gateway puts tokens on any non-empty subset of its outgoing flows, and as a
  join fires when no token elsewhere can still reach one of its empty incoming flows (the
  OR-join rule, which SpiffWorkflow 3.2 follows for joins outside loops);
- an end event consumes its token.

A marking with tokens left and nothing able to move is a deadlock: the problem names the join
that waits, the flow that never comes and the gateway whose choice starves it. Conditions are
not evaluated (a refusal may be stricter than the data would need; correlated conditions are
rare in process maps). The search is bounded (`MAX_MARKINGS` markings, `MAX_TOKENS` tokens on
one flow); a map beyond the bound is refused as one whose end cannot be guaranteed.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from itertools import combinations
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flows.engine import Analysis, Problem

MAX_MARKINGS = 20000
MAX_TOKENS = 3
MAX_SUBSET_FLOWS = 8  # an inclusive split with more outgoing flows is played as "each one alone or all"

Marking = tuple[tuple[str, int], ...]
Move = tuple[str, tuple[str, ...]]  # (node id, flows it put tokens on)


def _add(counts: dict[str, int], flows: tuple[str, ...] | list[str]) -> None:
    for f in flows:
        counts[f] = counts.get(f, 0) + 1


def _take(counts: dict[str, int], flow: str) -> None:
    counts[flow] -= 1
    if not counts[flow]:
        del counts[flow]


def _freeze(counts: dict[str, int]) -> Marking:
    return tuple(sorted(counts.items()))


class _Game:
    def __init__(self, a: Analysis) -> None:
        self.a = a
        # flow → flows reachable from it (through any node), for the OR-join and the blame.
        self.reach: dict[str, set[str]] = {}
        for fid in a.flows:
            seen: set[str] = set()
            todo = [fid]
            while todo:
                node = a.nodes.get(a.flows[todo.pop()].target)
                if node is None:
                    continue
                for out in node.outgoing:
                    if out not in seen:
                        seen.add(out)
                        todo.append(out)
            self.reach[fid] = seen

    def _reach_avoiding(self, start: str, goal: str, avoid: str) -> bool:
        seen, todo = {start}, [start]
        while todo:
            fid = todo.pop()
            if fid == goal:
                return True
            node = self.a.nodes.get(self.a.flows[fid].target)
            if node is None or node.id == avoid:
                continue
            for out in node.outgoing:
                if out not in seen:
                    seen.add(out)
                    todo.append(out)
        return False

    def moves(self, marking: Marking) -> Iterator[tuple[Move, Marking]]:
        counts = dict(marking)
        marked = set(counts)
        for node in self.a.nodes.values():
            waiting = [f for f in node.incoming if f in marked]
            if not waiting or node.kind == "startEvent":
                continue
            if node.kind == "parallelGateway":
                if len(waiting) == len(node.incoming):
                    new = dict(counts)
                    for f in node.incoming:
                        _take(new, f)
                    _add(new, node.outgoing)
                    yield (node.id, tuple(node.outgoing)), _freeze(new)
                continue
            if node.kind == "inclusiveGateway":
                yield from self._inclusive(node.id, counts, waiting)
                continue
            for f in waiting:
                new = dict(counts)
                _take(new, f)
                if node.kind == "exclusiveGateway":
                    for out in node.outgoing:
                        branch = dict(new)
                        _add(branch, [out])
                        yield (node.id, (out,)), _freeze(branch)
                else:  # tasks put a token on every outgoing flow; end events consume
                    _add(new, node.outgoing)
                    yield (node.id, tuple(node.outgoing)), _freeze(new)

    def _inclusive(self, node_id: str, counts: dict[str, int], waiting: list[str]) -> Iterator[tuple[Move, Marking]]:
        node = self.a.nodes[node_id]
        empty = [f for f in node.incoming if f not in counts]
        others = [f for f in counts if f not in node.incoming]
        if any(self._reach_avoiding(o, e, node_id) for o in others for e in empty):
            return  # the OR-join waits: a token elsewhere can still arrive
        new = dict(counts)
        for f in waiting:
            _take(new, f)
        outs = node.outgoing
        if len(outs) <= MAX_SUBSET_FLOWS:
            subsets = [c for k in range(1, len(outs) + 1) for c in combinations(outs, k)]
        else:
            subsets = [(o,) for o in outs] + [tuple(outs)]
        for subset in subsets:
            branch = dict(new)
            _add(branch, subset)
            yield (node_id, tuple(subset)), _freeze(branch)


def problems(a: Analysis) -> list[Problem]:
    """Deadlocks (a join left waiting) and unbounded token growth, each naming its element."""
    from flows.engine import Problem

    starts = [n for n in a.nodes.values() if n.kind == "startEvent"]
    if len(starts) != 1:
        return []  # reported by the graph check
    game = _Game(a)
    initial = _freeze(dict.fromkeys(starts[0].outgoing, 1))
    parent: dict[Marking, tuple[Marking, Move] | None] = {initial: None}
    queue: deque[Marking] = deque([initial])
    while queue:
        marking = queue.popleft()
        moved = False
        for move, new in game.moves(marking):
            moved = True
            over = [f for f, c in new if c > MAX_TOKENS]
            if over:
                node = a.nodes[a.flows[over[0]].source]
                return [Problem(node.id, f"“{node.label}”会不断产生新的并行分支（连线 {over[0]} 上的令牌无上限），"
                                         f"流程无法保证结束：请用并行网关汇合每一次分出的分支")]
            if new not in parent:
                if len(parent) >= MAX_MARKINGS:
                    return [Problem(a.process_id, f"流程的并行与分支组合超过 {MAX_MARKINGS} 种状态，平台无法验证它总能结束，"
                                                  "请拆分或简化流程")]
                parent[new] = (marking, move)
                queue.append(new)
        if not moved and marking:
            return [_deadlock(a, game, marking, parent)]
    return []


def _trace(marking: Marking, parent: dict) -> list[Move]:
    moves: list[Move] = []
    step = parent.get(marking)
    while step is not None:
        previous, move = step
        moves.append(move)
        step = parent.get(previous)
    return list(reversed(moves))


def _deadlock(a: Analysis, game: _Game, marking: Marking, parent: dict) -> Problem:
    from flows.engine import Problem

    held = {f for f, _ in marking}
    joins = [n for n in a.nodes.values() if n.kind in ("parallelGateway", "inclusiveGateway")
             and any(f in held for f in n.incoming)]
    if not joins:
        where = "、".join(sorted({a.nodes[a.flows[f].target].label for f in held if a.flows[f].target in a.nodes}))
        return Problem(a.process_id, f"流程可能停在“{where}”，无法继续也无法结束")
    join = joins[0]
    starved = [f for f in join.incoming if f not in held]
    # Blame the last choice that took a way from which the starved flow can no longer be reached.
    culprit = None
    for node_id, produced in reversed(_trace(marking, parent)):
        node = a.nodes[node_id]
        if node.kind not in ("exclusiveGateway", "inclusiveGateway") or len(node.outgoing) < 2:
            continue
        reachable = any(s == p or s in game.reach[p] for p in produced for s in starved)
        could = any(s == o or s in game.reach[o] for o in node.outgoing if o not in produced for s in starved)
        if not reachable and could:
            culprit = (node, produced)
            break
    flows = "、".join(starved)
    jkind = "并行网关" if join.kind == "parallelGateway" else "包容网关"
    message = f"{jkind}“{join.label}”会永远等待入口连线 {flows}，办件将一直停在办理中、没有待办也没有期限"
    if culprit is not None:
        node, produced = culprit
        kind = "排他网关" if node.kind == "exclusiveGateway" else "包容网关"
        chosen = "、".join(a.flows[p].name or p for p in produced)
        message += f"：{kind}“{node.label}”（{node.id}）走“{chosen}”时，该分支永远到不了这里"
    message += "。请改用排他网关汇合这些分支，或让每个分支都到达此网关"
    return Problem(join.id, message)
