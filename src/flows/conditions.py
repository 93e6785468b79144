"""Gateway conditions: the small language the platform evaluates.

Accepted: Python comparisons, boolean operators, names and constants, e.g.
`decision == 'approve'`, `a == 'x' and b != 'y'`, `amount >= 1000`, `kind in ('a', 'b')`.
Camunda JUEL in the simple forms `${var == 'value'}`, `${var != 'v'}`, `${a == 'x' && b == 'y'}`,
`${a || b}`, `${!flag}` and `${x}` is translated to that Python. Anything else (method calls,
attribute access, arithmetic, `execution.getVariable(...)`) is refused, so a condition can
never run code. Spiff evaluates the translated text; the platform evaluates it itself first
(`evaluate`) to refuse a step whose inputs would leave a gateway without a way out.
"""
from __future__ import annotations

import ast
import re
from typing import Any

_JUEL = re.compile(r"^\$\{(.*)\}$", re.S)
_CMP_OPS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn)


class ConditionError(ValueError):
    """The condition is not in the language the platform evaluates."""


class MissingVariable(KeyError):
    pass


def _juel_to_python(inner: str) -> str:
    out, i, quote = [], 0, ""
    while i < len(inner):
        ch = inner[i]
        if quote:
            out.append(ch)
            if ch == quote:
                quote = ""
            i += 1
            continue
        if ch in "'\"":
            quote = ch
            out.append(ch)
        elif inner.startswith("&&", i):
            out.append(" and ")
            i += 1
        elif inner.startswith("||", i):
            out.append(" or ")
            i += 1
        elif ch == "!" and not inner.startswith("!=", i):
            out.append(" not ")
        else:
            out.append(ch)
        i += 1
    text = "".join(out)
    # JUEL literals and word operators.
    text = re.sub(r"\btrue\b", "True", text)
    text = re.sub(r"\bfalse\b", "False", text)
    text = re.sub(r"\bnull\b", "None", text)
    return text.strip()


def _check(node: ast.AST) -> None:
    if isinstance(node, ast.Expression):
        return _check(node.body)
    if isinstance(node, ast.BoolOp) and isinstance(node.op, (ast.And, ast.Or)):
        for value in node.values:
            _check(value)
        return None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return _check(node.operand)
    if isinstance(node, ast.Compare) and all(isinstance(op, _CMP_OPS) for op in node.ops):
        for part in [node.left, *node.comparators]:
            _check(part)
        return None
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and not node.id.startswith("_"):
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float, bool, type(None))):
        return None
    if isinstance(node, (ast.Tuple, ast.List)) and all(isinstance(e, ast.Constant) for e in node.elts):
        return None
    raise ConditionError(f"不支持的表达式成分：{type(node).__name__}")


def translate(text: str | None) -> str:
    """The Python form of a condition, or ConditionError with a reason in Chinese."""
    raw = (text or "").strip()
    if not raw:
        raise ConditionError("条件为空")
    match = _JUEL.match(raw)
    expr = _juel_to_python(match.group(1)) if match else raw
    if "${" in expr or "#{" in expr:
        raise ConditionError("无法翻译的 JUEL 表达式")
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError as exc:
        raise ConditionError(f"表达式语法错误：{exc.msg}") from None
    _check(tree)
    return expr


def _eval(node: ast.AST, data: dict[str, Any]) -> Any:
    if isinstance(node, ast.Expression):
        return _eval(node.body, data)
    if isinstance(node, ast.BoolOp):
        values = (_eval(v, data) for v in node.values)
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.UnaryOp):
        return not _eval(node.operand, data)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, data)
        for op, comp in zip(node.ops, node.comparators):
            right = _eval(comp, data)
            try:
                ok = {
                    ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b,
                    ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b,
                    ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b,
                    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
                }[type(op)](left, right)
            except TypeError:
                return False
            if not ok:
                return False
            left = right
        return True
    if isinstance(node, ast.Name):
        if node.id not in data:
            raise MissingVariable(node.id)
        return data[node.id]
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.Tuple, ast.List)):
        return tuple(e.value for e in node.elts)  # type: ignore[attr-defined]
    raise ConditionError(type(node).__name__)


def evaluate(expr: str, data: dict[str, Any]) -> bool:
    """Evaluate a translated condition; MissingVariable when a name is not in `data`."""
    return bool(_eval(ast.parse(expr, mode="eval"), data))


def variables(expr: str) -> dict[str, list[Any]]:
    """Names used by a condition, with the constants each is compared to (for input forms)."""
    out: dict[str, list[Any]] = {}
    for node in ast.walk(ast.parse(expr, mode="eval")):
        if isinstance(node, ast.Name):
            out.setdefault(node.id, [])
        if isinstance(node, ast.Compare):
            parts = [node.left, *node.comparators]
            names = [p.id for p in parts if isinstance(p, ast.Name)]
            consts = [p.value for p in parts if isinstance(p, ast.Constant)]
            for name in names:
                for c in consts:
                    if c not in out.setdefault(name, []):
                        out[name].append(c)
    return out
