"""The event lifecycle: ONE declared transition table, and nothing that bypasses it.

    上报 → 受理 (or 不予受理) → 立案 → 派遣 → 处置 → 反馈 → 核查 → 结案 → 评价
    exceptions: 退单, 延期 (request, then approve / refuse), 返工 (a failed 核查),
                挂起 / 恢复, 督办, 合并, 撤销 (by the reporter, before 立案)

`TABLE` is plain data (no database, no Django model): the services, the django-fsm methods on
`Event` (built from the table by `fsm_methods()`), the API's action verbs and the bulk generator
(which walks lifecycles in memory, `next_state` / `replay`) all read the same rows, so a generated
history can be checked step by step against the rules the services enforce.

Each row: `action` (the English verb of the API URL), `source` state, `target` state (`None`: the
state does not change, as for 督办; `PREVIOUS`: back to the state the event was suspended from),
`outcome` (when one action from one state can end in several states: 核查 passed or failed; 延期
approved or refused), `actors` (who may act, see `Actor`), `needs` (what the action requires, names
of `NEEDS`: a reason, the handling note, a photo, a new deadline, a rating, a merge target, the
departments called; `services.event_act` refuses a step without them — 400 naming the field — for
every caller, and the page forms mark exactly these fields required) and `due` (which time limit of
the event class sets the due time of the step that follows; see `DUE_*`).

States are typed open / closed / void (`KIND`), so every count is unambiguous: a void event
(不予受理, 撤销, 合并) is neither open nor closed.

Part 2 appends its rows the same way: 乡呼县应 (`call` by the town centre, `report-in` and `answer`
by each called county department) and `clear-duplicate` (the centre clears a duplicate flag; a
real duplicate is merged). None of them changes the state. `escalate` is written by the deadline
sweep only (like `report`, it has no row: no user takes it).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.roles import Role, has_role
from core.scoping import code_level, scope_for


class State(models.TextChoices):
    REPORTED = "reported", _("待受理")
    ACCEPTED = "accepted", _("待立案")
    FILED = "filed", _("待派遣")
    DISPATCHED = "dispatched", _("处置中")
    EXTENSION_REQUESTED = "extension_requested", _("延期待批")
    HANDLED = "handled", _("待核查")
    VERIFIED = "verified", _("待结案")
    SUSPENDED = "suspended", _("已挂起")
    CLOSED = "closed", _("已结案")
    RATED = "rated", _("已评价")
    REJECTED = "rejected", _("不予受理")
    WITHDRAWN = "withdrawn", _("已撤销")
    MERGED = "merged", _("已合并")


class StateKind(models.TextChoices):
    OPEN = "open", _("在办")
    CLOSED = "closed", _("已办结")
    VOID = "void", _("无效")


KIND: dict[str, str] = {
    State.REPORTED: StateKind.OPEN,
    State.ACCEPTED: StateKind.OPEN,
    State.FILED: StateKind.OPEN,
    State.DISPATCHED: StateKind.OPEN,
    State.EXTENSION_REQUESTED: StateKind.OPEN,
    State.HANDLED: StateKind.OPEN,
    State.VERIFIED: StateKind.OPEN,
    State.SUSPENDED: StateKind.OPEN,
    State.CLOSED: StateKind.CLOSED,
    State.RATED: StateKind.CLOSED,
    State.REJECTED: StateKind.VOID,
    State.WITHDRAWN: StateKind.VOID,
    State.MERGED: StateKind.VOID,
}
OPEN_STATES = tuple(s for s, k in KIND.items() if k == StateKind.OPEN)
CLOSED_STATES = tuple(s for s, k in KIND.items() if k == StateKind.CLOSED)
VOID_STATES = tuple(s for s, k in KIND.items() if k == StateKind.VOID)
INITIAL = State.REPORTED


class Action(models.TextChoices):
    """Every step of the history. `report` is the birth of the event (no source state)."""

    REPORT = "report", _("上报")
    ACCEPT = "accept", _("受理")
    REJECT = "reject", _("不予受理")
    FILE = "file", _("立案")
    DISPATCH = "dispatch", _("派遣")
    RETURN = "return", _("退单")
    FEEDBACK = "feedback", _("处置反馈")
    VERIFY = "verify", _("核查")
    CLOSE = "close", _("结案")
    RATE = "rate", _("评价")
    EXTEND = "extend", _("延期")
    SUSPEND = "suspend", _("挂起")
    RESUME = "resume", _("恢复")
    SUPERVISE = "supervise", _("督办")
    MERGE = "merge", _("合并")
    WITHDRAW = "withdraw", _("撤销")
    CALL = "call", _("乡呼县应（吹哨）")
    REPORT_IN = "report-in", _("报到")
    ANSWER = "answer", _("答复")
    CLEAR_DUPLICATE = "clear-duplicate", _("排除疑似重复")
    ESCALATE = "escalate", _("超期升级")


class Actor(models.TextChoices):
    """Who may take an action (checked by `actor_kinds`)."""

    CENTRE = "centre", _("事件所在层级的指挥中心")
    SUPERVISOR = "supervisor", _("上级指挥中心")
    HANDLER = "handler", _("承办单位处置人员（不能是上报人）")
    REPORTER = "reporter", _("上报人")
    REPORTING_WORKER = "reporting_worker", _("上报该事件的网格员")
    CALLED = "called", _("被呼叫且未答复的县级部门人员")


class Outcome(models.TextChoices):
    PASSED = "passed", _("核查通过")
    FAILED = "failed", _("核查不通过（返工）")
    REQUESTED = "requested", _("申请延期")
    APPROVED = "approved", _("同意延期")
    REFUSED = "refused", _("不同意延期")


PREVIOUS = "<previous>"  # resume: back to the state the event was suspended from

# Which time limit gives the due time of the step that follows (stored on the step as due_at).
DUE_ACCEPT, DUE_FILE, DUE_DISPATCH, DUE_HANDLE, DUE_VERIFY = "accept", "file", "dispatch", "handle", "verify"
DUE_EVENT = "event"    # the event's own deadline (事件办结时限: report time + the class's 处置 limit, plus extensions)
DUE_SAME = "same"      # the due time of the step before stays in force (督办, 恢复)
LIMIT_STEPS = (DUE_ACCEPT, DUE_FILE, DUE_DISPATCH, DUE_HANDLE, DUE_VERIFY)

# How an action's step affects the event's counters (for indicators: 退单, 返工, 延期, 督办).
COUNTERS = {("return", ""): "return_count", ("verify", "failed"): "rework_count",
            ("extend", "approved"): "extension_count", ("supervise", ""): "supervision_count"}


@dataclass(frozen=True)
class Need:
    """Something a row of the table requires before it is taken (`Transition.needs` names these).

    `field`: the request field (API body, page form) that carries it and that a refusal names;
    `given_by`: the `services.Params` attributes any one of which meets it (a reason and a note both
    become the step's note; a new deadline is `until`, or `amount` of working time after the current
    one); `ask`: the Chinese words of the 400 message, “<action>”须<ask>; `code`: the error code."""

    field: str
    given_by: tuple[str, ...]
    ask: str
    code: str


NEEDS: dict[str, Need] = {
    "reason": Need("reason", ("reason", "note"), "填写理由", "reason_required"),
    "note": Need("note", ("note", "reason"), "填写处置情况（或答复内容）", "note_required"),
    "photo": Need("photos", ("photo_files",), "上传至少一张照片", "photo_required"),
    "until": Need("until", ("until", "amount"), "给出新的办结时限（延期至，或延期时长）", "until_required"),
    "rating": Need("rating", ("rating",), "给出评价（1 到 5）", "rating_required"),
    "into": Need("into", ("into",), "指定合并到的事件", "into_required"),
    "units": Need("units", ("units",), "选择被呼叫的县级部门", "units_required"),
}
# A need the bulk generator meets without a real object (it makes no photo files): it names the need in
# the step's `data["generated"]`, and only on an `is_synthetic` event does `generator.replay_problems`
# accept that instead of the object. No service writes it: `event_act` takes no such parameter.
GENERATED_NEEDS = ("photo",)


@dataclass(frozen=True)
class Transition:
    action: str
    source: str
    target: str | None
    actors: tuple[str, ...]
    outcome: str = ""
    needs: tuple[str, ...] = ()
    due: str | None = None
    when: str | None = None  # a name in WHEN: the row is offered only while it holds for the event

    @property
    def method_name(self) -> str:
        return method_name(self.action)


C, S, H, R, W, K = (Actor.CENTRE, Actor.SUPERVISOR, Actor.HANDLER, Actor.REPORTER, Actor.REPORTING_WORKER,
                    Actor.CALLED)
St = State

TABLE: list[Transition] = [
    Transition("accept", St.REPORTED, St.ACCEPTED, (C,), due=DUE_FILE),
    Transition("reject", St.REPORTED, St.REJECTED, (C,), needs=("reason",)),
    Transition("withdraw", St.REPORTED, St.WITHDRAWN, (R,), needs=("reason",)),
    Transition("withdraw", St.ACCEPTED, St.WITHDRAWN, (R,), needs=("reason",)),
    Transition("file", St.ACCEPTED, St.FILED, (C,), due=DUE_DISPATCH),
    Transition("dispatch", St.FILED, St.DISPATCHED, (C,), due=DUE_EVENT),
    Transition("return", St.DISPATCHED, St.FILED, (H,), needs=("reason",), due=DUE_DISPATCH),
    Transition("return", St.EXTENSION_REQUESTED, St.FILED, (H,), needs=("reason",), due=DUE_DISPATCH),
    Transition("extend", St.DISPATCHED, St.EXTENSION_REQUESTED, (H,), outcome=Outcome.REQUESTED,
               needs=("reason", "until"), due=DUE_EVENT),
    Transition("extend", St.EXTENSION_REQUESTED, St.DISPATCHED, (C,), outcome=Outcome.APPROVED, due=DUE_EVENT),
    Transition("extend", St.EXTENSION_REQUESTED, St.DISPATCHED, (C,), outcome=Outcome.REFUSED, needs=("reason",),
               due=DUE_EVENT),
    Transition("feedback", St.DISPATCHED, St.HANDLED, (H,), needs=("note", "photo"), due=DUE_VERIFY),
    Transition("feedback", St.EXTENSION_REQUESTED, St.HANDLED, (H,), needs=("note", "photo"), due=DUE_VERIFY),
    Transition("verify", St.HANDLED, St.VERIFIED, (W, C), outcome=Outcome.PASSED),
    Transition("verify", St.HANDLED, St.DISPATCHED, (W, C), outcome=Outcome.FAILED, needs=("reason",),
               due=DUE_HANDLE),
    Transition("close", St.VERIFIED, St.CLOSED, (C,)),
    Transition("rate", St.CLOSED, St.RATED, (R, C), needs=("rating",)),
    *[Transition("suspend", s, St.SUSPENDED, (C,), needs=("reason",), due=DUE_SAME)
      for s in (St.ACCEPTED, St.FILED, St.DISPATCHED)],
    Transition("resume", St.SUSPENDED, PREVIOUS, (C,), due=DUE_SAME),
    *[Transition("supervise", s, None, (S,), needs=("reason",), due=DUE_SAME) for s in OPEN_STATES],
    *[Transition("merge", s, St.MERGED, (C,), needs=("into",)) for s in (St.REPORTED, St.ACCEPTED, St.FILED)],
    *[Transition("clear-duplicate", s, None, (C,), due=DUE_SAME, when="flagged")
      for s in (St.REPORTED, St.ACCEPTED, St.FILED)],
    # 乡呼县应: the town centre calls county departments; each reports in, then answers (services.calls)
    *[Transition("call", s, None, (C,), needs=("reason", "units"), due=DUE_SAME)
      for s in (St.ACCEPTED, St.FILED, St.DISPATCHED, St.EXTENSION_REQUESTED)],
    *[Transition("report-in", s, None, (K,), due=DUE_SAME) for s in OPEN_STATES],
    *[Transition("answer", s, None, (K,), needs=("note",), due=DUE_SAME) for s in OPEN_STATES],
]
# Conditions on the event itself (no query), by name; django-fsm `conditions` of the built methods.
WHEN: dict[str, Callable[[Any], bool]] = {
    "flagged": lambda event: bool(getattr(event, "duplicate_of", None)),
}
assert all(n in NEEDS for row in TABLE for n in row.needs), "every need of the table is declared in NEEDS"
SUSPENDABLE = tuple(t.source for t in TABLE if t.action == "suspend")
ACTIONS = tuple(dict.fromkeys(t.action for t in TABLE))  # the API verbs, in table order


class IllegalTransition(Exception):
    """`action` is not possible from `state` (with that outcome). The services turn this into a 409."""

    def __init__(self, state: str, action: str, outcome: str = "") -> None:
        super().__init__(f"{action}{'/' + outcome if outcome else ''} not allowed from {state}")
        self.state, self.action, self.outcome = state, action, outcome


def method_name(action: str) -> str:
    """The model method of an action: `return` → `do_return`, `report-in` → `do_report_in`."""
    return "do_" + action.replace("-", "_")


def transitions_from(state: str) -> list[Transition]:
    return [t for t in TABLE if t.source == state]


def actions_from(state: str) -> list[str]:
    """The actions the table allows from a state (whoever acts), in table order."""
    return list(dict.fromkeys(t.action for t in transitions_from(state)))


def find(state: str, action: str, outcome: str = "") -> Transition:
    """The row for `action` (with `outcome`, when the action has several) from `state`, or raise."""
    rows = [t for t in TABLE if t.source == state and t.action == action]
    if not rows:
        raise IllegalTransition(state, action, outcome)
    if len(rows) == 1 and not outcome:
        return rows[0]
    chosen = [t for t in rows if t.outcome == outcome]
    if not chosen:
        raise IllegalTransition(state, action, outcome)
    return chosen[0]


def outcomes(state: str, action: str) -> list[str]:
    return [t.outcome for t in TABLE if t.source == state and t.action == action and t.outcome]


def target_of(row: Transition, state: str, previous: str | None = None) -> str:
    """The state after `row` is taken from `state` (`previous` = the state before a suspension)."""
    if row.target is None:
        return state
    if row.target == PREVIOUS:
        if previous not in SUSPENDABLE:
            raise IllegalTransition(state, row.action, row.outcome)
        return previous
    return row.target


def next_state(state: str, action: str, outcome: str = "", previous: str | None = None) -> str:
    """Pure in-memory step: the state after `action` from `state`, or IllegalTransition."""
    return target_of(find(state, action, outcome), state, previous)


def replay(path: Iterable[tuple[str, str]], start: str = INITIAL) -> list[str]:
    """Walk `(action, outcome)` pairs from `start`; the states visited (start first). Raises
    IllegalTransition at the first step the table does not allow (tracks the suspension)."""
    states, state, suspended_from = [start], start, None
    for action, outcome in path:
        new = next_state(state, action, outcome, suspended_from)
        if new == State.SUSPENDED and state != State.SUSPENDED:
            suspended_from = state
        elif state == State.SUSPENDED and new != State.SUSPENDED:
            suspended_from = None
        state = new
        states.append(state)
    return states


# ---------------------------------------------------------------- who may act

CENTRE_ROLE = {"town": Role.TOWN_COMMAND, "county": Role.COUNTY_COMMAND, "city": Role.CITY_COMMAND}
LEVEL_RANK = {"town": 0, "county": 1, "city": 2}
_DIVISION_LEVEL_RANK = {"village": 0, "town": 0, "county": 1, "city": 2, "province": 3}


def actor_kinds(event: Any, user: Any) -> set[str]:
    """Which `Actor` kinds `user` is for `event` (reads `level`, `division_id`, `unit_id`,
    `reporter_id`; no query). A superuser is a centre and a supervisor, never the reporter's
    handler: 巡办分离 holds for everyone."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    kinds: set[str] = set()
    is_reporter = event.reporter_id is not None and event.reporter_id == user.pk
    if is_reporter:
        kinds.add(Actor.REPORTER)
        if Role.GRID_WORKER in (getattr(user, "roles", None) or ()):
            kinds.add(Actor.REPORTING_WORKER)
    if getattr(user, "is_superuser", False):
        return kinds | {Actor.CENTRE, Actor.SUPERVISOR}
    if not scope_for(user).covers(event.division_id):
        return kinds
    user_rank = _DIVISION_LEVEL_RANK.get(code_level(user.division_id), -1) if user.division_id else -1
    level = event.level
    if level in CENTRE_ROLE and has_role(user, CENTRE_ROLE[level]) and user_rank == LEVEL_RANK[level]:
        kinds.add(Actor.CENTRE)
    own_centre = [CENTRE_ROLE[lv] for lv, rank in LEVEL_RANK.items() if rank == user_rank]
    if user_rank > LEVEL_RANK.get(level, 9) and own_centre and has_role(user, own_centre[0]):
        kinds.add(Actor.SUPERVISOR)
    if has_role(user, Role.DEPT_HANDLER) and event.unit_id is not None and user.unit_id == event.unit_id \
            and not is_reporter:
        kinds.add(Actor.HANDLER)
    if has_role(user, Role.DEPT_HANDLER) and user.unit_id is not None and \
            user.unit_id in (getattr(event, "called_units", None) or ()):
        kinds.add(Actor.CALLED)
    return kinds


def may_take(row: Transition, event: Any, user: Any) -> bool:
    return bool(set(row.actors) & actor_kinds(event, user))


# ---------------------------------------------------------------- django-fsm methods built from the table

def fsm_methods(field: str = "state") -> dict[str, Callable[..., Any]]:
    """One django-fsm transition method per action (`do_<action>`), with one `@transition` per
    source state, so `get_available_user_state_transitions(user)` answers from this table.

    A method takes `outcome` (and, for `resume`, reads `suspended_from` on the instance) and
    returns the target when one source has several (django-fsm's RETURN_VALUE). Calling it only
    moves the in-memory state; the services persist with a compare-and-set on `version`.
    """
    from django_fsm import RETURN_VALUE, transition

    by_action: dict[str, dict[str, list[Transition]]] = defaultdict(lambda: defaultdict(list))
    for row in TABLE:
        by_action[row.action][row.source].append(row)
    methods: dict[str, Callable[..., Any]] = {}
    for action, sources in by_action.items():
        def body(self: Any, outcome: str = "", *, _action: str = action) -> str:
            return target_of(find(self.state, _action, outcome), self.state, getattr(self, "suspended_from", None))

        body.__name__ = body.__qualname__ = method_name(action)
        body.__doc__ = f"{Action(action).label}: taken only through events.services.event_act."
        wrapper: Callable[..., Any] | None = None
        for source, rows in sources.items():
            targets = {r.target for r in rows}
            if len(targets) == 1 and None not in targets and PREVIOUS not in targets:
                target: Any = rows[0].target
                fixed = True
            elif targets == {None}:
                target, fixed = None, True
            else:
                possible = {source if t is None else t for t in targets if t != PREVIOUS}
                if PREVIOUS in targets:
                    possible |= set(SUSPENDABLE)
                target, fixed = RETURN_VALUE(*sorted(possible)), False
            actors = tuple(sorted({a for r in rows for a in r.actors}))
            conditions = [WHEN[w] for w in sorted({r.when for r in rows if r.when})]

            def permission(instance: Any, user: Any, _actors: tuple[str, ...] = actors) -> bool:
                return bool(set(_actors) & actor_kinds(instance, user))

            decorated = transition(field=field, source=source, target=target, permission=permission,
                                   conditions=conditions,
                                   custom={"fixed": fixed, "action": action, "actors": actors})(body)
            wrapper = wrapper or decorated
        assert wrapper is not None
        methods[method_name(action)] = wrapper
    return methods
