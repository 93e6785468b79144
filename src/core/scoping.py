"""Division scoping: the one mechanism that decides what a user may see and touch.

A division code is 12 digits: province 2, city 2, county 2, town 3, village 3. A division's
subtree is exactly the set of codes that start with its *prefix* (DESIGN.md §6), so every
scoped query is a `startswith` on an indexed code column: no recursive walks.

Two kinds of data:
- OPERATIONAL (events, cases, staff, posts, grids, audit): visible and writable only inside
  the user's subtree.
- REFERENCE (divisions, items, lists, units): readable in the subtree and for the user's
  ancestors, writable only inside the subtree.
- GLOBAL (templates, enumerations without a division): readable by every signed-in user,
  writable by platform administrators only.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Prefetch, Q

OPERATIONAL = "operational"
REFERENCE = "reference"
GLOBAL = "global"

LEVELS = ("province", "city", "county", "town", "village")


def code_level(code: str) -> str:
    """Level of a 12-digit division code, from where its trailing zeros start."""
    if code[9:] != "000":
        return "village"
    if code[6:9] != "000":
        return "town"
    if code[4:6] != "00":
        return "county"
    if code[2:4] != "00":
        return "city"
    return "province"


_PREFIX_LEN = {"province": 2, "city": 4, "county": 6, "town": 9, "village": 12}


def code_prefix(code: str) -> str:
    """The prefix shared by a division and all its descendants."""
    return code[: _PREFIX_LEN[code_level(code)]]


def ancestor_codes(code: str) -> list[str]:
    """Codes of the enclosing divisions, nearest last (province excluded)."""
    out: list[str] = []
    for length in (4, 6, 9):
        candidate = code[:length].ljust(12, "0")
        if (candidate != code and code_level(candidate) != "province" and candidate not in out
                and len(code_prefix(code)) > length):
            out.append(candidate)
    return out


def common_division_code(codes: list[str]) -> str | None:
    """The smallest division whose subtree holds every code (city level at least), or None.

    Codes sort by their digits, so the lowest and highest code of a set are enough:
    `common_division_code([min(codes), max(codes)])` names the area of a whole query.
    """
    codes = [c for c in codes if c]
    if not codes:
        return None
    for length in (12, 9, 6, 4):
        if len({c[:length] for c in codes}) == 1:
            candidate = codes[0][:length].ljust(12, "0")
            if len(code_prefix(candidate)) <= length:
                return candidate
    return None


@dataclass(frozen=True)
class Scope:
    """What one user may reach. `everything` is for platform administrators."""

    division_code: str | None
    everything: bool = False

    @property
    def prefix(self) -> str | None:
        return code_prefix(self.division_code) if self.division_code else None

    @property
    def ancestors(self) -> list[str]:
        return ancestor_codes(self.division_code) if self.division_code else []

    @property
    def nothing(self) -> bool:
        return not self.everything and not self.division_code

    def covers(self, code: str | None) -> bool:
        """True when `code` lies inside this scope's subtree."""
        if self.everything:
            return True
        if not code or not self.prefix:
            return False
        return code.startswith(self.prefix)

    def can_read_reference(self, code: str | None) -> bool:
        return self.covers(code) or (code in self.ancestors)

    def sees(self, row: Any) -> bool:
        """The row-level twin of `visible_in`: would `visible_to` return this (loaded) row?

        Used where rows are already in memory (prefetched related lists); rows of models that
        are not scoped are not judged here (True).
        """
        model = type(row)
        if not is_scoped_model(model) or self.everything:
            return True
        if self.nothing:
            return False
        if model.scope_kind == GLOBAL:
            return True
        code = row.scope_code()
        return self.covers(code) or (model.scope_kind == REFERENCE and code in self.ancestors)


NO_SCOPE = Scope(None)


def scope_for(user: Any) -> Scope:
    """The scope of a user: superusers see everything, anonymous users nothing."""
    if user is None or not getattr(user, "is_authenticated", False):
        return NO_SCOPE
    if getattr(user, "is_superuser", False):
        return Scope(None, everything=True)
    code = getattr(user, "division_id", None)
    return Scope(code) if code else NO_SCOPE


class ScopedQuerySet(models.QuerySet):
    """`visible_to(user)` for reads and `writable_by(user)` for writes (NetBox's restrict())."""

    def _meta_model(self) -> Any:
        return self.model  # a ScopedModel subclass: scope_lookup / scope_kind are declared there

    def _lookup(self) -> str:
        return str(self._meta_model().scope_lookup)

    def _subtree_q(self, scope: Scope) -> Q:
        return Q(**{f"{self._lookup()}__startswith": scope.prefix})

    def in_scope(self, scope: Scope) -> ScopedQuerySet:
        """Rows inside the subtree (operational reading, and all writing)."""
        if scope.everything:
            return self.all()
        if scope.nothing:
            return self.none()
        return self.filter(self._subtree_q(scope))

    def visible_in(self, scope: Scope) -> ScopedQuerySet:
        if scope.everything:
            return self.all()
        if scope.nothing:
            return self.none()
        kind = self._meta_model().scope_kind
        if kind == GLOBAL:
            return self.all()
        q = self._subtree_q(scope)
        if kind == REFERENCE and scope.ancestors:
            q |= Q(**{f"{self._lookup()}__in": scope.ancestors})
        return self.filter(q)

    def visible_to(self, user: Any) -> ScopedQuerySet:
        return self.visible_in(scope_for(user))

    def prefetch_visible(self, user: Any, *lookups: str) -> ScopedQuerySet:
        """`prefetch_related(*lookups)` with every level restricted to `user` (RestrictedPrefetch)."""
        return restrict_prefetches(self.prefetch_related(*lookups), user)

    def writable_by(self, user: Any) -> ScopedQuerySet:
        scope = scope_for(user)
        if self._meta_model().scope_kind == GLOBAL and not scope.everything:
            return self.none()
        return self.in_scope(scope)


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    pass


class ScopedModel(models.Model):
    """Base for every model that belongs to a division.

    Subclasses set `scope_lookup` (an ORM path ending in a division code, e.g. "division__code"
    or "unit__division__code"; Django reads a related primary key from the local column, so the
    last hop costs no join) and `scope_kind`. A stationed body lies in its host town's subtree,
    and its home department is in the same county, so dual management needs no second path.
    """

    scope_lookup: str = "division__code"
    scope_kind: str = OPERATIONAL

    objects = ScopedManager()

    class Meta:
        abstract = True

    def scope_code(self) -> str | None:
        """The division code this row belongs to, following `scope_lookup`."""
        parts = self.scope_lookup.split("__")
        if len(parts) >= 2 and parts[-1] == "code":
            parts = parts[:-2] + [parts[-2] + "_id"]  # read the FK column, not the related row
        value: Any = self
        for part in parts:
            if value is None:
                return None
            value = getattr(value, part, None)
        return value


def is_scoped_model(model: type) -> bool:
    return isinstance(model, type) and issubclass(model, ScopedModel)


RESTRICTED_HINT = "visible_to"


def restricted_for(queryset: Any, user: Any) -> bool:
    """True when `queryset` came from a RestrictedPrefetch for this very user."""
    hints = getattr(queryset, "_hints", None) or {}
    return RESTRICTED_HINT in hints and hints[RESTRICTED_HINT] is user


class RestrictedPrefetch(Prefetch):
    """A Prefetch whose rows are restricted to what `user` can see (NetBox's RestrictedPrefetch).

    `queryset` is the related model's rows to start from (e.g. `Unit.objects.all()`); a model
    that is not scoped is prefetched as given. So `parent.children.all()` on a prefetched parent
    holds only the visible children, and a page or serializer showing them names nothing
    outside the user's scope. `ScopedQuerySet.prefetch_visible(user, "children")` finds the
    model itself.
    """

    def __init__(self, lookup: str, user: Any, queryset: Any, to_attr: str | None = None) -> None:
        self.restrict_user = user
        if is_scoped_model(queryset.model):
            queryset = queryset.visible_to(user)
            # The prefetched rows carry the mark (hints travel with every clone), so a reader
            # such as `visible_rows` need not judge them again row by row.
            queryset._hints = {**queryset._hints, RESTRICTED_HINT: user}
        super().__init__(lookup, queryset=queryset, to_attr=to_attr)


def _restricted(path: str, user: Any, queryset: Any, to_attr: str | None) -> Any:
    # built through Any: django-stubs' Prefetch plugin cannot read a subclass's arguments
    prefetch: Any = RestrictedPrefetch
    return prefetch(path, user, queryset, to_attr=to_attr)


def _related_model(model: Any, name: str) -> tuple[Any, bool]:
    """The model reached from `model` through the field or reverse accessor `name`, and whether
    the relation is many-valued (only those are restricted: a forward foreign key is the parent
    row's own, which the parent's scope already decides)."""
    for f in model._meta.get_fields():
        accessor = f.get_accessor_name() if f.auto_created and not f.concrete else f.name
        if name in (f.name, accessor):
            return f.related_model, bool(f.one_to_many or f.many_to_many)
    return None, False


def restrict_prefetches(queryset: Any, user: Any) -> Any:
    """`queryset` with every prefetch lookup restricted to `user` (each level of a path).

    A plain lookup "memberships__grid" becomes RestrictedPrefetch("memberships") and
    RestrictedPrefetch("memberships__grid"); a Prefetch with its own queryset keeps it,
    restricted. The API base views apply this to every queryset they serve.
    """
    lookups = list(getattr(queryset, "_prefetch_related_lookups", ()))
    if not lookups:
        return queryset
    out: list[Any] = []
    done: set[str] = set()
    for lookup in lookups:
        if isinstance(lookup, RestrictedPrefetch):
            out.append(lookup)
            done.add(lookup.prefetch_to)
            continue
        through = lookup.prefetch_through if isinstance(lookup, Prefetch) else str(lookup)
        parts = through.split("__")
        model = queryset.model
        for depth, part in enumerate(parts, start=1):
            model, many = _related_model(model, part) if model is not None else (None, False)
            path = "__".join(parts[:depth])
            last = depth == len(parts)
            if last and isinstance(lookup, Prefetch) and lookup.queryset is not None:
                out.append(_restricted(path, user, lookup.queryset, lookup.to_attr) if many else lookup)
            elif path not in done and model is not None and many:
                custom = isinstance(lookup, Prefetch) and last and lookup.to_attr
                out.append(_restricted(path, user, model._default_manager.all(), lookup.to_attr if custom else None))
            elif path not in done:
                out.append(lookup if last and isinstance(lookup, Prefetch) else path)
            done.add(path)
    return queryset.prefetch_related(None).prefetch_related(*out)
