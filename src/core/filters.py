"""Division parameters shared by every list: one validation, one parser, one subtree filter.

`resolve_division(text)` is THE parser of division names in the platform: event intake resolves
an address with it and every `?division=` filter (`SubtreeFilter`, `division_param`) accepts a
12-digit code of any level or a name through it. Names are compared after
`core.text.normalize_key` (NFKC: full-width letters, digits and brackets become half-width,
spaces dropped).

Rules (DESIGN.md §4, issue 8 item 2):
- the text is read left to right; at each position the longest name of a division inside the
  division found so far (any depth below it, so "扬州市湾头镇" works without the county) wins;
- a division is known by its full name and by its shortenings: the name without its
  administrative suffix (东关 for 东关街道, 湾头 for 湾头镇, 广陵 for 广陵区, 琼花观 and 琼花观社区
  for 琼花观社区居委会), never shorter than two characters;
- where a name belongs to several divisions (83 village names repeat across Yangzhou) the parse
  stops at the last certain division and lists the candidates — unless a later name in the text
  lies inside exactly one of them;
- text that names no division (a road, a house number) is skipped.

Layering: core is layer 0 and does not import `divisions`. The name table is read through the
app registry (`apps.get_model("divisions", "Division")`) when the index is built, and the index
is cached per process under the `core.cachegen` generation "divisions" (bumped by the division
import; a new number at every test start), so it costs one query per process and change.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import django_filters
from django.apps import apps
from django_filters.filters import QuerySetRequestMixin
from django_filters.rest_framework import DjangoFilterBackend

from core import cachegen
from core.errors import PlatformError
from core.scoping import code_level, code_prefix, is_scoped_model
from core.text import normalize_key

CACHE_NAME = "divisions"
# Administrative suffixes, longest first: a name without one of these is its shortening.
SUFFIXES = ("社区居民委员会", "村(居)委会", "村民委员会", "社区居委会", "街道办事处", "居民委员会", "社区居委",
            "管理委员会", "居委会", "村委会", "办事处", "开发区", "街道", "社区", "新区", "乡", "镇", "村", "区", "县", "市")


def require_division_code(value: Any, field: str = "division", code: str = "invalid") -> str:
    """`value` if it is a 12-digit division code, else a 400 naming the parameter."""
    if not (isinstance(value, str) and value.isdigit() and len(value) == 12):
        raise PlatformError(f"{field} 必须是 12 位区划代码", code=code, fields={field: ["必须是 12 位区划代码"]})
    return value


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    level: str
    path: str  # "扬州市 广陵区 湾头镇 湾头社区居委会"

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "name": self.name, "level": self.level, "path": self.path}


@dataclass
class Resolution:
    """What a text names. `division` is the deepest certain division (None if nothing certain);
    `candidates` lists the divisions an ambiguous name may mean (deeper than `division`);
    `matched` the names read, in order."""

    text: str
    division: Place | None = None
    candidates: list[Place] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)

    @property
    def ambiguous(self) -> bool:
        return bool(self.candidates)

    @property
    def code(self) -> str | None:
        return self.division.code if self.division else None


def _shortenings(name: str) -> list[str]:
    """昌农村委会 → 昌农, 昌农村; 琼花观社区居委会 → 琼花观, 琼花观社区; 东关街道 → 东关."""
    out = []
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            base = name[: -len(suffix)]
            out.append(base)
            for kept in ("社区", "村"):
                if suffix.startswith(kept) and suffix != kept:
                    out.append(base + kept)
    return out


def _forms(name: str) -> list[str]:
    """A name and, for 城南经济新区(车逻镇), each of its two names."""
    head, sep, tail = name.partition("(")
    if not sep or not tail.endswith(")") or len(head) < 2 or "委会" in tail:
        return [name]
    return [name, head, tail[:-1]]


class NameIndex:
    """Every division by full name and shortening (normalised) → codes; built once per generation."""

    def __init__(self, rows: list[tuple[str, str, str, str | None]]) -> None:
        self.places: dict[str, Place] = {}
        names = {code: name for code, name, _level, _parent in rows}
        parents = {code: parent for code, _name, _level, parent in rows}
        for code, name, level, _parent in rows:
            chain: list[str] = []
            cursor: str | None = code
            while cursor and len(chain) < 6:
                chain.append(names.get(cursor, ""))
                cursor = parents.get(cursor)
            self.places[code] = Place(code, name, level, " ".join(reversed(chain)))
        self.aliases: dict[str, set[str]] = {}
        for code, name, _level, _parent in rows:
            for key in _forms(normalize_key(name)):
                for alias in {key, *_shortenings(key)}:
                    self.aliases.setdefault(alias, set()).add(code)
        self.max_len = max((len(a) for a in self.aliases), default=0)

    def matches_at(self, text: str, pos: int, within: list[str]) -> tuple[int, set[str]]:
        """Longest alias starting at `pos` naming a division strictly inside one of `within`
        (code prefixes; [""] = anywhere): (its length, the codes it names)."""
        for length in range(min(self.max_len, len(text) - pos), 1, -1):
            codes = self.aliases.get(text[pos:pos + length])
            if not codes:
                continue
            inside = {c for c in codes if any(c.startswith(p) and len(code_prefix(c)) > len(p) for p in within)}
            if inside:
                return length, inside
        return 0, set()


_LOCK = threading.Lock()
_INDEX: dict[str, Any] = {"gen": None, "index": None}


def name_index() -> NameIndex:
    gen = cachegen.current(CACHE_NAME)
    if _INDEX["gen"] != gen:
        division = apps.get_model("divisions", "Division")
        rows = list(division.objects.values_list("code", "name", "level", "parent_id"))
        with _LOCK:
            _INDEX.update(gen=gen, index=NameIndex(rows))
    index: NameIndex = _INDEX["index"]
    return index


def _common_ancestor(codes: set[str]) -> str | None:
    """The deepest division code containing every one of `codes` (by code prefix), or None."""
    for length in (9, 6, 4):
        heads = {c[:length] for c in codes}
        if len(heads) == 1:
            return next(iter(heads)).ljust(12, "0")
    return None


def resolve_division(text: str, within: str | None = None) -> Resolution:
    """The division a text names (see the module docstring). `within`: a division code the answer
    must lie inside (e.g. the caller's scope); None = the whole tree. A 12-digit code is
    answered as itself when it exists. A text that names nothing inside `within` answers no
    division (not `within`): the caller decides what an unplaced report means."""
    result = _resolve(text, within)
    if within and result.division is None:
        # The text may name `within` itself and its ancestors first (扬州市广陵区湾头镇人民政府 from a
        # 湾头镇 user): resolve on the whole tree and keep the answer when it lies inside `within`.
        whole = _resolve(text, None)
        if whole.division is not None and whole.division.code.startswith(code_prefix(within)):
            return whole
    return result


def _resolve(text: str, within: str | None) -> Resolution:
    raw = normalize_key(text)
    index = name_index()
    result = Resolution(text=text)
    if raw.isdigit() and len(raw) == 12:
        place = index.places.get(raw)
        if place is not None and (within is None or raw.startswith(code_prefix(within))):
            result.division = place
            result.matched = [raw]
        return result
    current: str | None = within if within in index.places else None
    pending: set[str] = set()
    pos = 0
    while pos < len(raw):
        scopes = [code_prefix(c) for c in sorted(pending)] if pending else [code_prefix(current) if current else ""]
        length, codes = index.matches_at(raw, pos, scopes)
        if not length:
            pos += 1
            continue
        result.matched.append(raw[pos:pos + length])
        pos += length
        common = next(iter(codes)) if len(codes) == 1 else _common_ancestor(codes)
        if common in codes:  # one division, or one that contains all the others (湾头 → 湾头镇)
            current, pending = common, set()
        else:
            if common and common in index.places and (current is None or len(code_prefix(common)) > len(
                    code_prefix(current))):
                current = common
            pending = codes
        if current and code_level(current) == "village" and not pending:
            break
    if not result.matched:
        return result  # the text names no division (inside `within`): never answer `within` itself
    result.division = index.places.get(current) if current else None
    if pending:
        result.candidates = sorted((index.places[c] for c in pending), key=lambda p: p.code)
    return result


def division_param(value: Any, field: str = "division", within: str | None = None) -> str:
    """A `?division=` value — a division code or a name — as a 12-digit code.

    Codes may be written in full (12 digits) or in their short statistical form: 6 digits for a
    county (321002), 9 for a town (321002001), as the README and officials write them.
    400 when nothing matches, or when the name is ambiguous (the candidates are listed, so the
    caller can send one code)."""
    text = value.strip() if isinstance(value, str) else ""
    if text.isascii() and text.isdigit() and len(text) in (6, 9):
        text = text.ljust(12, "0")
    if text.isdigit():
        return require_division_code(text, field)
    if not text:
        raise PlatformError(f"{field} 不能为空", fields={field: ["请填写区划代码或名称"]})
    found = resolve_division(text, within)
    if found.ambiguous:
        names = "；".join(f"{p.path}（{p.code}）" for p in found.candidates[:10])
        raise PlatformError(f"“{text}”对应多个区划，请改用区划代码：{names}", code="ambiguous_division",
                            fields={field: [f"有 {len(found.candidates)} 个同名区划"]})
    if found.division is None:
        raise PlatformError(f"找不到名为“{text}”的区划", code="unknown_division", fields={field: ["区划不存在"]})
    return found.division.code


class SubtreeFilter(django_filters.CharFilter):
    """`?<name>=<code or name>`: rows in that division's subtree, on top of the user's scope."""

    def filter(self, qs: Any, value: Any) -> Any:
        if not value:
            return qs
        prefix = code_prefix(division_param(value, self.field_name))
        return qs.filter(**{f"{qs.model.scope_lookup}__startswith": prefix})


__all__ = ["Place", "Resolution", "ScopedFilterBackend", "ScopedFilterSet", "SubtreeFilter", "division_param",
           "require_division_code", "resolve_division", "restrict_filter_choices"]


def _restricted_queryset(original: Any) -> Any:
    """A django-filter `queryset` argument that yields only the rows the request's user can see."""

    def visible(request: Any) -> Any:
        queryset = original(request) if callable(original) else original
        if queryset is None or not is_scoped_model(queryset.model):
            return queryset
        return queryset.visible_to(getattr(request, "user", None))  # no request: no user, no rows

    visible.restricted = True  # type: ignore[attr-defined]
    return visible


def restrict_filter_choices(filterset: Any) -> Any:
    """Restricts every related-row filter of `filterset` (one instance) to `visible_to(request.user)`.

    Covers django-filter's ModelChoiceFilter and ModelMultipleChoiceFilter, declared or generated
    from `Meta.fields`: their dropdowns (the browsable API's filter form, the pages) list only the
    user's rows, and `?grid=<another town's id>` is refused exactly like an id that does not
    exist ("选择一个有效的选项"). Returns the filterset.
    """
    for f in filterset.filters.values():
        if isinstance(f, QuerySetRequestMixin) and not getattr(f.queryset, "restricted", False):
            f.queryset = _restricted_queryset(f.queryset)
    return filterset


class ScopedFilterSet(django_filters.FilterSet):
    """The base of every filterset: related-row choices pass through `visible_to(request.user)`.

    Pass `request=` when building one (the API backend does); without a request the related
    filters offer no rows at all.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        restrict_filter_choices(self)


class ScopedFilterBackend(DjangoFilterBackend):
    """The API's filter backend: any filterset, even one not derived from ScopedFilterSet, is
    restricted to the user's rows (filtering and the browsable API's HTML filter form alike)."""

    def get_filterset(self, request: Any, queryset: Any, view: Any) -> Any:
        filterset = super().get_filterset(request, queryset, view)
        return restrict_filter_choices(filterset) if filterset is not None else None
