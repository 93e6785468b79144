"""The platform's one to-do list (我的待办) and the home page's figures, as registries.

Every app that has waiting work registers a `Source` from its `AppConfig.ready()`; every app that
has figures for a role's home page registers a figure function the same way. The functions live
in the app's `selectors.py`; `web` reads the registries and never names an app, and no app ever
imports `web` (core is layer 0: it holds only the shapes and the registry).

A source answers three questions, each with one queryset:

- `mine(user)`: the rows waiting for *this user* to act (a case step in their lane, an admission
  for their reform office to review, an event dispatched to their unit…), annotated with
  `todo_due` (the time the waiting step is due, or NULL) so that every source sorts the same way
  in the database: overdue first, then by due time, rows without a due time last;
- `subtree(user)`: the rows of that kind waiting for *anyone* inside the user's subtree — what a
  command centre watches and may urge (催办); None when the kind cannot be urged;
- `item(row)`: the row as a uniform `WorkItem` (kind, title, url, due time, overdue, division).

`recipients(row)` names who a reminder reaches (users and/or units; notify's outbox delivers it).
Counting a source is one COUNT; listing it is one query with a LIMIT, whatever the number of rows.
"""
from __future__ import annotations

import datetime as dt
import heapq
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, QuerySet
from django.utils import timezone

#: Events/steps due within this many hours are flagged 即将超期 when the source has no warning time.
DUE_SOON_HOURS = 24


@dataclass(frozen=True)
class WorkItem:
    """One piece of waiting work, whatever app it comes from.

    `kind`: the source's kind ("flows.step", "catalog.admission", "events.handle"…); `ref`: the
    row's id inside its kind (a string); `title`: what it is; `action`: what is waiting (审核,
    派遣, 处置…); `url`: the page where it is done; `due_at`: when the waiting step is due (aware
    datetime, or None); `overdue`: past `due_at`; `warning`: due soon (即将超期); `division`: the
    12-digit code of the place it belongs to (scoping of reminders)."""

    kind: str
    ref: str
    title: str
    action: str
    url: str
    due_at: dt.datetime | None
    division: str
    overdue: bool = False
    warning: bool = False
    detail: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return self.kind, self.ref


@dataclass(frozen=True)
class Source:
    """One kind of waiting work (see the module docstring)."""

    kind: str
    label: str
    mine: Callable[[Any], QuerySet[Any]]
    item: Callable[[Any], WorkItem]
    subtree: Callable[[Any], QuerySet[Any]] | None = None
    recipients: Callable[[Any], list[Any]] = field(default=lambda row: [])
    #: the roles whose home always shows this kind's count, even at zero (others: only when not zero)
    roles: tuple[str, ...] = ()

    @property
    def urgeable(self) -> bool:
        return self.subtree is not None


@dataclass(frozen=True)
class Figure:
    """One figure of a role's home page: a count and the list behind it.

    `url` is the list page with its filter in the query string, so the figure equals the rows
    that page shows (the tests follow each link and compare). `warn`: shown highlighted when
    the count is not zero (overdue work)."""

    key: str
    label: str
    count: int | None          # None: a link without a number (开始巡查, 考核驾驶舱)
    url: str
    group: str = ""
    warn: bool = False


FigureFunction = Callable[[Any], list[Figure]]

_lock = threading.Lock()
_sources: dict[str, Source] = {}
_figures: list[tuple[str, FigureFunction]] = []


def register(*sources: Source) -> None:
    """Add sources (called from an app's `ready()`; registering a kind again replaces it)."""
    with _lock:
        for source in sources:
            _sources[source.kind] = source


def register_figures(name: str, function: FigureFunction) -> None:
    """Add a home-page figure function `function(user) -> [Figure]` under a unique name."""
    with _lock:
        _figures[:] = [(n, f) for n, f in _figures if n != name] + [(name, function)]


def sources() -> list[Source]:
    return list(_sources.values())


def source(kind: str) -> Source | None:
    return _sources.get(kind)


def figures_for(user: Any) -> list[Figure]:
    """Every registered function's figures for `user`, in registration order (apps in layer order)."""
    out: list[Figure] = []
    for _name, function in list(_figures):
        out.extend(function(user))
    return out


def ordered(qs: QuerySet[Any]) -> QuerySet[Any]:
    """Overdue first, then by due time; rows without a due time last (oldest row first)."""
    return qs.order_by(F("todo_due").asc(nulls_last=True), "pk")


def is_overdue(due_at: dt.datetime | None, now: dt.datetime | None = None) -> bool:
    return due_at is not None and due_at < (now or timezone.now())


def is_due_soon(due_at: dt.datetime | None, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return due_at is not None and now <= due_at < now + dt.timedelta(hours=DUE_SOON_HOURS)


@dataclass
class Listing:
    """A merged to-do: `items` (one page, overdue first), `counts` per kind, `total`."""

    items: list[WorkItem]
    counts: dict[str, int]
    total: int
    labels: dict[str, str]


def _sort_key(item: WorkItem) -> tuple[bool, dt.datetime, str, int]:
    """The merge order; within one source it agrees with `ordered` (due time, then id)."""
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return (item.due_at is None, item.due_at or far, item.kind, int(item.ref) if item.ref.isdigit() else 0)


def listing(user: Any, *, kinds: Iterable[str] | None = None, offset: int = 0, limit: int = 50,
            subtree: bool = False, counts: dict[str, int] | None = None) -> Listing:
    """The user's waiting work from every source (or the `kinds` given), merged and sorted.

    `subtree=True` lists what waits for anyone in the user's subtree (urgeable kinds only).
    Queries: one COUNT per source (none when `counts` from an earlier call are given), one LIMIT
    `offset + limit` per source with rows."""
    wanted = set(kinds) if kinds else None
    chosen = [s for s in sources() if (wanted is None or s.kind in wanted) and (not subtree or s.urgeable)]
    known = counts or {}
    counts = {}
    streams: list[list[WorkItem]] = []
    for s in chosen:
        qs = s.subtree(user) if subtree and s.subtree is not None else s.mine(user)
        n = known[s.kind] if s.kind in known else qs.count()
        counts[s.kind] = n
        if n and limit:
            streams.append([s.item(row) for row in ordered(qs)[: offset + limit]])
    merged = list(heapq.merge(*streams, key=_sort_key))
    return Listing(merged[offset: offset + limit], counts, sum(counts.values()),
                   {s.kind: s.label for s in chosen})


def find(user: Any, kind: str, ref: str) -> tuple[Source, Any] | None:
    """The row `ref` of an urgeable kind inside the user's subtree, or None (unknown kind, not
    a number, outside the subtree, or no longer waiting: all answer the same)."""
    s = _sources.get(kind)
    if s is None or s.subtree is None or not str(ref).isdigit():
        return None
    row = s.subtree(user).filter(pk=int(ref)).first()
    return (s, row) if row is not None else None
