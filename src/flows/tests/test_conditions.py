"""The condition language: Python comparisons and simple JUEL translate; anything else is refused."""
import pytest

from flows.conditions import ConditionError, evaluate, translate, variables


@pytest.mark.parametrize("src,expected", [
    ("decision == 'approve'", "decision == 'approve'"),
    ("${decision == 'approve'}", "decision == 'approve'"),
    ("${x != 'v'}", "x != 'v'"),
    ("${a == 'x' && b == 'y'}", "a == 'x' and b == 'y'"),
    ("${ok}", "ok"),
    ("${!ok}", "not ok"),
    ("${flag == true}", "flag == True"),
])
def test_translates(src, expected):
    assert " ".join(translate(src).split()) == expected


@pytest.mark.parametrize("src", ["${execution.getVariable('x')}", "__import__('os').system('x')", "a + 1 == 2",
                                 "x.y == 1", "", "${a ==}", "f(x)", "[i for i in x]"])
def test_refuses(src):
    with pytest.raises(ConditionError):
        translate(src)


def test_evaluates_and_lists_variables():
    expr = translate("${a == 'x' && b != 'y'}")
    assert evaluate(expr, {"a": "x", "b": "z"}) and not evaluate(expr, {"a": "x", "b": "y"})
    assert variables(expr) == {"a": ["x"], "b": ["y"]}
