"""Facts: named, documented counts over recorded rows — the numerators and denominators of indicators.

An indicator (`assess.models.IndicatorVersion`) names two facts; a fact is code here because it
is a query, but it is chosen by name, so a county changes a definition by pointing a new version
at another fact (configuration), never by editing the past.

Every fact is **set-based**: `Fact.build(window, subject_type)` returns one queryset annotated
with `subject` (the key of the subject the row counts for) and `fact_item` (the event, patrol, case or
dispatch id it counts), and `counts()` turns it into one `GROUP BY subject` aggregate
(`COUNT(DISTINCT item)`). Nothing is computed per event in Python.

**As of.** Facts read the append-only history (event steps, patrols, cases, dispatches) up to
`window.as_of` only: a step recorded after a result was computed does not change what that result
counts. So a stored result is reproducible (`drill()` re-runs the same query with its stored
`as_of` and version) and a late fact is visible only to a later computation, which stores a new
revision. Event columns read besides the steps (`town`, `county`, `grid`, `channel`, `reporter`,
`due_at`) are set at the report; `due_at` moves with an approved extension (so a drill-down of a
result computed before an extension was approved uses the extended deadline; the stored figures
do not change).

**On time.** A step is on time when its time is not after the due time carried by the step just
before it (`Step.due_at` is "the due time of the next step", `events.lifecycle` column `due`): 受理
against the report's 受理 limit, 派遣 against 立案's 派遣 limit, 处置反馈 against the deadline in force
(dispatch, approved extension or a failed 核查's rework limit), 核查 against the feedback's limit.

Modules: this one (the registry, `Window`, the building blocks), `events.py` (facts over event
steps, deadline marks, escalations and town calls), `work.py` (patrols, cases, stationed bodies'
tasks).

Subjects: `grid_worker` = `grids.GridWorker` id; `centre` = the division code of the command centre
of the step's level (town or county); `unit`/`department`/`stationed` = `org.Unit` id (for a
dispatch: the unit dispatched to, `Step.data.unit.id`); `town`/`county` = division code.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from assess.choices import SubjectType
from assess.facts.descriptions import DESCRIPTIONS, ITEMS
from core.sqlhints import OffIndex

ST = SubjectType


@dataclass(frozen=True)
class Window:
    """What a computation reads: `[start, end)` of the period, facts recorded up to `as_of`,
    inside `county` (a 12-digit county code — or a city code, for every county of the city at
    once, see `counts_by_county`). `days` is the period's length in days."""

    start: dt.datetime
    end: dt.datetime
    as_of: dt.datetime
    county: str
    days: int

    @property
    def prefix(self) -> str:
        """The area's code prefix: 6 digits for a county, 4 for a city."""
        return self.county[:4] if self.county[4:] == "00000000" else self.county[:6]

    def area(self, path: str) -> dict[str, str]:
        """The filter keeping rows whose county (a division foreign key at `path`) lies in the area:
        equality for a county, as the per-county indexes expect; the code's prefix for a city."""
        return {f"{path}__code__startswith": self.prefix} if len(self.prefix) == 4 else {f"{path}_id": self.county}


@dataclass(frozen=True)
class Fact:
    code: str
    label: Any                       # Chinese name (gettext_lazy)
    doc: str                         # what is counted, precisely
    item: str                        # what one counted item is: event, patrol, case, dispatch, grid, call
    subject_types: tuple[str, ...]
    build: Callable[[Window, str], QuerySet]
    # multiply the distinct count by the period's days (grid-days due)
    per_day: bool = False
    # rows carry `cty` (their county): counted for a whole city in one query (counts_by_county);
    # else county by county (small tables: cases, patrols, grid teams, stationed tasks)
    by_county: bool = True

    @property
    def description(self) -> Any:
        """The users' Chinese description (`facts.descriptions`); `doc` stays the developers' English."""
        return DESCRIPTIONS.get(self.code, "")

    @property
    def item_label(self) -> Any:
        """What one counted item is, in Chinese."""
        return ITEMS.get(self.item, self.item)


FACTS: dict[str, Fact] = {}


def fact(code: str, label: Any, item: str, subject_types: tuple[str, ...], *, per_day: bool = False,
         by_county: bool = True) -> Callable:
    def register(fn: Callable[[Window, str], QuerySet]) -> Callable[[Window, str], QuerySet]:
        FACTS[code] = Fact(code, label, (fn.__doc__ or "").strip(), item, subject_types, fn, per_day, by_county)
        return fn
    return register


def get(code: str) -> Fact:
    from core.errors import PlatformError

    if code not in FACTS:
        raise PlatformError(f"未知的统计口径：{code}", code="unknown_fact", fields={"fact": [code]})
    return FACTS[code]


def counts(code: str, window: Window, subject_type: str) -> dict[str, int]:
    """{subject key: count} for one fact — one aggregate query."""
    f = get(code)
    rows = f.build(window, subject_type).values("subj").annotate(n=Count("fact_item", distinct=True)).order_by()
    out = {str(r["subj"]): int(r["n"]) * (window.days if f.per_day else 1)
           for r in rows if r["subj"] is not None}
    return out


def counts_by_county(code: str, window: Window, subject_type: str) -> dict[str, dict[str, int]]:
    """{county code: {subject key: count}} for one fact over a city window — one aggregate query
    for every county (each fact's rows carry `cty`, their county), the same figures as `counts`
    per county: a month's steps of one action are read once, not once per county."""
    f = get(code)
    if not f.by_county:
        from divisions.models import Division

        counties = Division.objects.filter(level="county", code__startswith=window.prefix).values_list("code", flat=True)
        found = {c: counts(code, dataclasses.replace(window, county=c), subject_type) for c in counties}
        return {c: n for c, n in found.items() if n}
    rows = f.build(window, subject_type).values("cty", "subj").annotate(
        n=Count("fact_item", distinct=True)).order_by()
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        if r["subj"] is not None:
            out.setdefault(str(r["cty"]), {})[str(r["subj"])] = int(r["n"]) * (window.days if f.per_day else 1)
    return out


def items(code: str, window: Window, subject_type: str, subject: str) -> list[Any]:
    """The ids behind one subject's count (drill-down), sorted."""
    f = get(code)
    qs = f.build(window, subject_type).filter(subj=_typed_key(subject_type, subject))
    return sorted(set(qs.values_list("fact_item", flat=True).order_by()))


def _typed_key(subject_type: str, key: str) -> Any:
    if subject_type in (ST.GRID_WORKER, ST.UNIT, ST.DEPARTMENT, ST.STATIONED):
        return int(key)
    return key


# ---------------------------------------------------------------- building blocks

def _models() -> tuple[Any, Any]:
    from events.models import Event, Step

    return Event, Step


def _steps(w: Window, action: str | tuple[str, ...], **filters: Any) -> QuerySet:
    """Steps of `action` taken in the period (and known at as_of) on events of the county."""
    _, Step = _models()
    actions = (action,) if isinstance(action, str) else action
    return Step.objects.filter(action__in=actions, at__gte=w.start, at__lt=w.end, at__lte=w.as_of,
                               **w.area("event__county"), **filters).annotate(cty=F("event__county_id"))


def _off_index(qs: QuerySet, **lookups: Any) -> QuerySet:
    """`qs.filter(**lookups)` with each looked-up column wrapped in `OffIndex` (see there): a
    lookup `action__in=…` becomes `+action IN (…)` on SQLite."""
    aliases: dict[str, Any] = {}
    filters: dict[str, Any] = {}
    for lookup, value in lookups.items():
        column, _, op = lookup.partition("__")
        aliases[f"off_{column}"] = OffIndex(F(column))   # the output field is the column's
        filters[f"off_{column}__{op}" if op else f"off_{column}"] = value
    return qs.alias(**aliases).filter(**filters)


def _later(w: Window, action: str | tuple[str, ...], **filters: Any) -> QuerySet:
    """Steps of `action` on the outer step's event, after it, known at as_of (for Exists). Found
    through the event's own steps (`(event_id, seq)`), never the `(action, at)` index (`OffIndex`)."""
    _, Step = _models()
    actions = (action,) if isinstance(action, str) else action
    return _off_index(Step.objects.filter(event_id=OuterRef("event_id"), seq__gt=OuterRef("seq"),
                                          at__lte=w.as_of, **filters), action__in=actions)


def _prev_due() -> Subquery:
    """The due time carried by the step just before (see "On time" above)."""
    _, Step = _models()
    return Subquery(Step.objects.filter(event_id=OuterRef("event_id"), seq=OuterRef("seq") - 1).values("due_at")[:1])


def _centre_key() -> Case:
    return Case(When(level="town", then=F("event__town_id")), When(level="county", then=F("event__county_id")),
                default=Value(None), output_field=CharField())


def _region_key(subject_type: str, prefix: str = "event__") -> F:
    return F(f"{prefix}town_id") if subject_type == ST.TOWN else F(f"{prefix}county_id")


def _dispatched_unit() -> Cast:
    return Cast(KT("data__unit__id"), IntegerField())


def _unit_kind_filter(subject_type: str) -> dict[str, str]:
    if subject_type == ST.DEPARTMENT:
        return {"event__unit__kind": "county_department"}
    if subject_type == ST.STATIONED:
        return {"event__unit__kind": "stationed"}
    return {}


def part2_available() -> bool:
    """True once events part 2 (issue 9: deadline marks, escalations, 乡呼县应 rows) is installed."""
    from django.apps import apps

    label = "events.CallDepartment"
    try:
        apps.get_model(label)
    except LookupError:
        return False
    return True


def _part2(name: str) -> Any:
    from django.apps import apps

    return apps.get_model("events", name)


# The facts themselves, registered in FACTS on import: event facts (steps, deadlines, calls) and
# the others (patrols, cases, stationed bodies' tasks).
from assess.facts import events, work  # noqa: E402

__all__ = ["FACTS", "Fact", "Window", "counts", "events", "fact", "get", "items", "part2_available", "work"]
