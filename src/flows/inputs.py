"""Gateway inputs: what a step must ask for, in which type, with which labels from the map.

The gateways right after a user task decide on variables its handler supplies. For each
variable `fields()` gives one `Field`:

- `kind`: `boolean` (used as a truth value, `${approved}`, or compared with true/false) → a
  是/否 choice posting a JSON boolean; `number` (compared with numbers) → a number field;
  `choice` (compared with texts) → one of the texts; `text` otherwise;
- `label`: the gateway's name when it decides on this variable alone, else the name of the flow
  (or of its target) that tests it; the variable name only when the map names nothing;
- `choices`: (value, label) pairs, the label from the flow that tests `var == value` (its name,
  else its target's name). Nothing is preselected: the page starts on an empty option.

`check_types()` refuses a value of the wrong type before the engine runs (a text "5000" where a
number is compared would make Python's comparison fail inside the engine). `engine_refusal()`
turns an engine failure at a gateway into the Chinese reason the handler needs, computed from
the same conditions in the engine's own order, so the page, the API and the engine agree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flows import conditions
from flows.engine import DECIDING, GATEWAYS, Analysis, Node

BOOLEAN_CHOICES: list[tuple[Any, str]] = [(True, "是"), (False, "否")]
_KIND_TEXT = {"boolean": "是/否", "number": "数字", "choice": "选项", "text": "文字"}


@dataclass
class Field:
    name: str
    kind: str
    label: str
    gateway: str
    choices: list[tuple[Any, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """`{name, type, label, gateway, choices: [{value, label}]}` for the API and the page."""
        return {"name": self.name, "type": self.kind, "label": self.label, "gateway": self.gateway,
                "choices": [{"value": v, "label": lab} for v, lab in self.choices]}

    def value_label(self, value: Any) -> str:
        for v, lab in self.choices:
            if v == value and type(v) is type(value):
                return lab
        if isinstance(value, bool):
            return "是" if value else "否"
        return "" if value is None else str(value)


def next_gateways(a: Analysis, node_id: str) -> list[str]:
    """Deciding gateways reached from `node_id` through gateways only (the step's decisions)."""
    found, todo, seen = [], [node_id], set()
    while todo:
        current = todo.pop()
        for fid in a.nodes[current].outgoing:
            target = a.flows[fid].target
            if target in seen or target not in a.nodes:
                continue
            seen.add(target)
            if a.nodes[target].kind in GATEWAYS:
                if a.nodes[target].kind in DECIDING and len(a.nodes[target].outgoing) > 1:
                    found.append(target)
                todo.append(target)
    return found


def _flow_label(a: Analysis, fid: str) -> str:
    flow = a.flows[fid]
    target = a.nodes.get(flow.target)
    return flow.name or (target.name if target is not None else "")


def _gateway_fields(a: Analysis, gw: Node) -> list[Field]:
    per_var: dict[str, conditions.Use] = {}
    tested_by: dict[str, list[str]] = {}
    for fid in gw.outgoing:
        py = a.flows[fid].python
        if not py or fid == gw.default:
            continue
        for name, use in conditions.uses(py).items():
            merged = per_var.setdefault(name, conditions.Use())
            merged.bare = merged.bare or use.bare
            merged.ordered = merged.ordered or use.ordered
            merged.constants += [c for c in use.constants
                                 if not any(x == c and type(x) is type(c) for x in merged.constants)]
            tested_by.setdefault(name, []).append(fid)
    out = []
    for name, use in per_var.items():
        kind = conditions.kind_of(use)
        if len(per_var) == 1:
            label = gw.name or name
        else:
            names = [lab for lab in (_flow_label(a, f) for f in tested_by[name]) if lab]
            label = "、".join(dict.fromkeys(names)) or name
        choices: list[tuple[Any, str]] = []
        if kind == "boolean":
            choices = list(BOOLEAN_CHOICES)
        elif kind == "choice":
            for value in use.constants:
                if value is None:
                    continue
                lab = ""
                for fid in tested_by[name]:
                    u = conditions.uses(a.flows[fid].python or "")
                    if set(u) == {name} and u[name].constants == [value]:
                        lab = _flow_label(a, fid)
                        break
                choices.append((value, lab or str(value)))
        out.append(Field(name, kind, label, gw.id, choices))
    return out


def fields(a: Analysis, task_spec: str) -> list[Field]:
    """The inputs a step must supply for the gateways right after it (one per variable).

    Computed once per analysis and task (an analysis is cached with its immutable document);
    callers get copies, so the cached fields are never changed.
    """
    key = ("fields", task_spec)
    if key not in a.memo:
        a.memo[key] = _fields(a, task_spec)
    return [Field(f.name, f.kind, f.label, f.gateway, list(f.choices)) for f in a.memo[key]]


def _fields(a: Analysis, task_spec: str) -> list[Field]:
    out: dict[str, Field] = {}
    for gw in next_gateways(a, task_spec):
        for f in _gateway_fields(a, a.nodes[gw]):
            known = out.get(f.name)
            if known is None:
                out[f.name] = f
            else:
                known.choices += [c for c in f.choices if c not in known.choices]
                if known.kind != f.kind:
                    known.kind = "text"
    return list(out.values())


def values_by_name(a: Analysis, task_spec: str) -> dict[str, list[Any]]:
    """`{variable: [values]}`: the older shape of the API's `fields` (kept for clients)."""
    return {f.name: [v for v, _ in f.choices] if f.kind != "number" else [] for f in fields(a, task_spec)}


def check_types(a: Analysis, task_spec: str, inputs: dict[str, Any]) -> str | None:
    """A Chinese reason when a supplied value has the wrong type for its gateway, else None."""
    for f in fields(a, task_spec):
        if f.name in inputs:
            reason = conditions.check_value(f.kind, inputs[f.name])
            if reason:
                gw = a.nodes[f.gateway]
                return f"“{gw.label}”（{gw.id}）的“{f.label}”{reason}，收到“{inputs[f.name]}”"
    return None


def engine_refusal(a: Analysis, spec: Any, gateway_id: str, data: dict[str, Any]) -> str:
    """Why the engine stopped at a gateway, in Chinese, naming it (same order as the engine)."""
    gw = a.nodes.get(gateway_id)
    if gw is None:
        return f"流程在“{gateway_id}”处无法继续"
    label = f"“{gw.label}”（{gw.id}）"
    by_name = {f.name: f for f in _gateway_fields(a, gw)}
    task_spec = spec.task_specs.get(gateway_id) if spec is not None else None
    ordered = [c.args[0] for c, _ in getattr(task_spec, "cond_task_specs", []) if c is not None]
    if not ordered:
        ordered = [a.flows[f].python for f in gw.outgoing if a.flows[f].python and f != gw.default]
    # An exclusive gateway stops at the first true condition; an inclusive one evaluates them all.
    stop_at_first = gw.kind == "exclusiveGateway"
    matched = False
    for expr in ordered:
        try:
            matched = conditions.evaluate(expr, data) or matched
        except conditions.MissingVariable as exc:
            name = exc.args[0]
            f = by_name.get(name)
            if f is None:
                return f"{label}需要填写变量 {name}"
            hint = f"，可选：{'、'.join(lab for _, lab in f.choices)}" if f.choices else f"，应为{_KIND_TEXT[f.kind]}"
            what = "" if f.label == gw.label else f"“{f.label}”"
            return f"{label}需要填写{what}（变量 {name}{hint}）"
        except conditions.ConditionTypeError as exc:
            return f"{label}无法判断走向：{exc}，请按要求的类型填写"
        if matched and stop_at_first:
            break
    expected = "；".join(f"{f.label} 应为 {'、'.join(lab for _, lab in f.choices) or _KIND_TEXT[f.kind]}"
                        for f in by_name.values())
    return f"{label}没有满足条件的出口" + (f"：{expected}" if expected else "")


def describe(a: Analysis | None, task_spec: str, inputs: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value label) pairs for a step's inputs, as the timeline shows them."""
    known = {f.name: f for f in fields(a, task_spec)} if a is not None and task_spec in a.nodes else {}
    out = []
    for name, value in (inputs or {}).items():
        f = known.get(name)
        if f is not None:
            out.append((f.label, f.value_label(value)))
        else:
            out.append((name, "是" if value is True else "否" if value is False else str(value)))
    return out
