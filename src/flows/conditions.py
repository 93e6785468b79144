"""Gateway conditions: the small language the platform evaluates.

Accepted: Python comparisons, boolean operators, names and constants, e.g.
`decision == 'approve'`, `a == 'x' and b != 'y'`, `amount >= 1000`, `kind in ('a', 'b')`.

Camunda 7 JUEL (`${…}` or `#{…}`, the forms the Camunda and Activiti/Flowable modelers write) is
translated to that Python token by token: `&&` `||` `!` → `and` `or` `not`; the word operators
`eq ne lt gt le ge and or not` → `== != < > <= >=`; `true false null` → `True False None`
(outside string literals only); `empty x` → `(x in (None, ''))`; `execution.getVariable('x')`
and `execution.getVariableLocal('x')` → `x`; `x.equals('v')` → `(x == 'v')`. Anything else (other method calls, attribute
access, arithmetic, `?:`) is refused, so a condition can never run code. FEEL (Camunda 8 /
Zeebe conditions start with `=`, or carry `language="feel"`) is refused by name: the platform
does not run it. Spiff evaluates the translated text with Python's `eval`; the platform
evaluates it itself first (`evaluate`, same operators, same errors) to refuse a step whose
inputs would stop the engine, before anything is written.

Errors: `ConditionError` (a Chinese reason) for text outside the language; `MissingVariable`
and `ConditionTypeError` at evaluation, where the engine would raise as well.
"""
from __future__ import annotations

import ast
import builtins
import keyword
import math
import re
from dataclasses import dataclass, field
from typing import Any

from core.errors import PlatformError

_JUEL = re.compile(r"^[$#]\{(.*)\}$", re.S)
_CMP_OPS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn)
_ORDER_OPS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*")
  | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>&&|\|\||==|!=|<=|>=|[<>!().,\[\]?:+\-*/%])
""", re.X)
_WORD_OPS = {"eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">=", "and": "and", "or": "or",
             "not": "not", "true": "True", "false": "False", "null": "None"}
_SYMBOL_OPS = {"&&": "and", "||": "or", "!": "not"}
_GET_VARIABLE = {"getVariable", "getVariableLocal"}
# Names the engine's eval resolves without task data: a missing variable of such a name would be
# silently compared to a Python builtin by the engine instead of failing, so such names are refused.
_SHADOWED = frozenset(dir(builtins)) | frozenset(keyword.kwlist) | frozenset(keyword.softkwlist)
FEEL_MESSAGE = "不支持 FEEL 表达式"


class ConditionError(PlatformError):
    """The condition is not in the language the platform evaluates (message in Chinese)."""

    code = "invalid_condition"


class MissingVariable(KeyError):
    """A name of the condition is not in the data (the engine raises as well)."""


class ConditionTypeError(TypeError):
    """Values of types Python cannot compare (e.g. a text compared with a number)."""


def is_feel(text: str | None, language: str | None = None) -> bool:
    """True for FEEL: a `language` naming FEEL, or Camunda 8's leading `=`."""
    if language and "feel" in language.lower():
        return True
    return (text or "").lstrip().startswith("=")


def _juel_to_python(inner: str) -> str:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(inner):
        match = _TOKEN.match(inner, pos)
        if match is None:
            raise ConditionError(f"JUEL 表达式中有无法识别的字符“{inner[pos]}”")
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append((kind, match.group()))
        pos = match.end()
    out: list[str] = []
    i = 0
    while i < len(tokens):
        kind, text = tokens[i]
        if kind == "name" and text == "execution":
            # execution.getVariable('x') → x (the variable itself; Camunda's long form)
            window = tokens[i + 1:i + 6]
            if len(window) == 5 and window[0][1] == "." and window[1][1] in _GET_VARIABLE and window[2][1] == "(" \
                    and window[3][0] == "string" and window[4][1] == ")":
                name = window[3][1][1:-1]
                if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                    raise ConditionError(f"变量名“{name}”不合法")
                i = _name_with_equals(tokens, i + 6, name, out)
                continue
            raise ConditionError("不支持方法调用或属性访问（execution 只能用 getVariable('变量名')）")
        if kind == "name" and text == "empty":
            if i + 1 < len(tokens) and tokens[i + 1][0] == "name" and tokens[i + 1][1] not in _WORD_OPS:
                out.append(f"({tokens[i + 1][1]} in (None, ''))")
                i += 2
                continue
            raise ConditionError("empty 后面只能跟一个变量名")
        if kind == "name" and text in ("div", "mod", "instanceof"):
            raise ConditionError(f"不支持运算“{text}”（条件只能比较，不能计算）")
        if kind == "name" and text not in _WORD_OPS:
            i = _name_with_equals(tokens, i + 1, text, out)
            continue
        if kind == "name":
            out.append(_WORD_OPS[text])
        elif kind == "op":
            if text in ("?", ":"):
                raise ConditionError("不支持条件运算“?:”")
            out.append(_SYMBOL_OPS.get(text, text))
        else:
            out.append(text)
        i += 1
    return " ".join(out)


def _name_with_equals(tokens: list[tuple[str, str]], i: int, name: str, out: list[str]) -> int:
    """Emit `name`; a following Java `.equals(literal)` becomes `== literal`. Returns the next index."""
    window = tokens[i:i + 5]
    if len(window) == 5 and window[0][1] == "." and window[1][1] == "equals" and window[2][1] == "(" \
            and window[3][0] in ("string", "number") and window[4][1] == ")":
        out.append(f"({name} == {window[3][1]})")
        return i + 5
    out.append(name)
    return i


def _check(node: ast.AST) -> None:
    if isinstance(node, ast.Expression):
        return _check(node.body)
    if isinstance(node, ast.BoolOp) and isinstance(node.op, (ast.And, ast.Or)):
        for value in node.values:
            _check(value)
        return None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return _check(node.operand)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
            and type(node.operand.value) in (int, float):
        return None
    if isinstance(node, ast.Compare) and all(isinstance(op, _CMP_OPS) for op in node.ops):
        for part in [node.left, *node.comparators]:
            _check(part)
        return None
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
        if node.id.startswith("_"):
            raise ConditionError(f"变量名“{node.id}”不能以下划线开头")
        if node.id in _SHADOWED:
            raise ConditionError(f"变量名“{node.id}”与流程引擎的内置名称冲突，请改名")
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float, bool, type(None))):
        return None
    if isinstance(node, (ast.Tuple, ast.List)) and all(_is_constant(e) for e in node.elts):
        return None
    if isinstance(node, (ast.Call, ast.Attribute)):
        raise ConditionError("不支持方法调用或属性访问")
    if isinstance(node, ast.BinOp):
        raise ConditionError("不支持算术运算（条件只能比较，不能计算）")
    what = {"Subscript": "下标取值", "Lambda": "匿名函数", "IfExp": "条件表达式", "ListComp": "推导式",
            "GeneratorExp": "推导式", "SetComp": "推导式", "DictComp": "推导式", "Dict": "字典", "Set": "集合",
            "JoinedStr": "格式化字符串", "NamedExpr": "赋值表达式", "Await": "await", "Starred": "星号展开"}
    raise ConditionError(f"不支持的写法：{what.get(type(node).__name__, '该表达式成分')}")


def _is_constant(node: ast.AST) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return isinstance(node.operand, ast.Constant) and type(node.operand.value) in (int, float)
    return isinstance(node, ast.Constant)


def translate(text: str | None, language: str | None = None) -> str:
    """The Python form of a condition, or ConditionError with a reason in Chinese.

    `language` is the conditionExpression's `language` attribute: none, JUEL or Python are
    accepted; FEEL is refused as FEEL, any other script language by its name.
    """
    raw = (text or "").strip()
    lang = (language or "").strip()
    if is_feel(raw, lang):
        raise ConditionError(FEEL_MESSAGE)
    if lang and lang.lower() not in ("juel", "python", "http://www.w3.org/1999/xpath"):
        raise ConditionError(f"不支持 {lang} 语言的条件脚本")
    if not raw:
        raise ConditionError("条件为空")
    match = _JUEL.match(raw)
    expr = _juel_to_python(match.group(1)) if match else raw
    if "${" in expr or "#{" in expr:
        raise ConditionError("无法翻译的 JUEL 表达式（一个条件只能有一个 ${…}）")
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError:
        raise ConditionError("表达式语法错误") from None
    _check(tree)
    return expr


_COMPARE = {
    ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}


def _eval(node: ast.AST, data: dict[str, Any]) -> Any:
    """Python's own semantics for the whitelisted nodes (so the result is the engine's `eval`)."""
    if isinstance(node, ast.Expression):
        return _eval(node.body, data)
    if isinstance(node, ast.BoolOp):
        result: Any = None
        for value in node.values:
            result = _eval(value, data)
            if isinstance(node.op, ast.And) and not result:
                return result
            if isinstance(node.op, ast.Or) and result:
                return result
        return result
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.USub):
            operand = _eval(node.operand, data)
        if not isinstance(operand, (int, float)):
            raise ConditionTypeError(f"{_type_name(operand)}不能取负")
        return -operand
        return not _eval(node.operand, data)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, data)
        for op, comp in zip(node.ops, node.comparators, strict=True):
            right = _eval(comp, data)
            try:
                ok = _COMPARE[type(op)](left, right)
            except TypeError:
                raise ConditionTypeError(f"{_type_name(left)}不能与{_type_name(right)}比较") from None
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
        return tuple(_eval(e, data) for e in node.elts)
    raise ConditionError(type(node).__name__)


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "是/否"
    if isinstance(value, (int, float)):
        return "数字"
    if isinstance(value, str):
        return "文字"
    if value is None:
        return "空值"
    return "该值"


def evaluate(expr: str, data: dict[str, Any]) -> bool:
    """Evaluate a translated condition as the engine would.

    Raises MissingVariable when a name is not in `data`, ConditionTypeError when Python cannot
    compare the values (the engine's `eval` raises TypeError there too).
    """
    return bool(_eval(ast.parse(expr, mode="eval"), data))


def variables(expr: str) -> dict[str, list[Any]]:
    """Names used by a condition, with the constants each is compared to (for input forms)."""
    return {name: list(use.constants) for name, use in uses(expr).items()}


@dataclass
class Use:
    """How one condition uses one variable: constants compared to, ordering, bare truth test."""

    constants: list[Any] = field(default_factory=list)
    ordered: bool = False   # compared with < <= > >=
    bare: bool = False      # used as a truth value (`${approved}`, `${!approved}`)


def _constant_values(node: ast.AST) -> list[Any]:
    if isinstance(node, ast.Constant):
        return [node.value]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
            and isinstance(node.operand.value, (int, float)):
        return [-node.operand.value]
    if isinstance(node, (ast.Tuple, ast.List)):
        return [v for e in node.elts for v in _constant_values(e)]
    return []


def uses(expr: str) -> dict[str, Use]:
    """Every variable of a translated condition and how it is used (see `Use`)."""
    out: dict[str, Use] = {}
    tree = ast.parse(expr, mode="eval")

    def truth(node: ast.AST) -> None:
        if isinstance(node, ast.Name):
            out.setdefault(node.id, Use()).bare = True
        elif isinstance(node, ast.BoolOp):
            for v in node.values:
                truth(v)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            truth(node.operand)

    truth(tree.body)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            out.setdefault(node.id, Use())
        if isinstance(node, ast.Compare):
            parts = [node.left, *node.comparators]
            names = [p.id for p in parts if isinstance(p, ast.Name)]
            consts = [v for p in parts for v in _constant_values(p)]
            ordered = any(isinstance(op, _ORDER_OPS) for op in node.ops)
            for name in names:
                use = out.setdefault(name, Use())
                use.ordered = use.ordered or ordered
                for c in consts:
                    if not any(x == c and type(x) is type(c) for x in use.constants):
                        use.constants.append(c)
    return out


def kind_of(use: Use) -> str:
    """The input type a variable needs: boolean, number, choice (texts) or text."""
    consts = [c for c in use.constants if c is not None]
    if consts and all(isinstance(c, bool) for c in consts):
        return "boolean"
    if not consts and use.bare:
        return "boolean"
    if consts and all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in consts):
        return "number"
    if consts and all(isinstance(c, str) and c for c in consts) and not use.ordered and not use.bare:
        return "choice"
    return "text"


def check_value(kind: str, value: Any) -> str | None:
    """A Chinese reason when `value` is not of the input type `kind`, else None."""
    if value is None:
        return None
    if kind == "boolean" and not isinstance(value, bool):
        return "应为是/否（布尔值 true 或 false）"
    if kind == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))
                             or (isinstance(value, float) and not math.isfinite(value))):
        return "应为数字"
    if kind == "choice" and not isinstance(value, str):
        return "应为文字选项"
    return None
