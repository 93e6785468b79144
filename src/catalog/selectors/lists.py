"""Reads of lists (清单): the list in force on a date, replayed from its append-only versions."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from catalog.choices import EntryOp
from catalog.models import Item, ItemList, ListVersion


def _ordered_versions(versions: Iterable[ListVersion], on: dt.date) -> list[ListVersion]:
    """Versions effective on or before `on`, in the order they apply (date, then recording)."""
    chosen = [v for v in versions if v.effective_date <= on]
    chosen.sort(key=lambda v: (v.effective_date, v.recorded_at, v.pk))
    return chosen


def _replay(versions: list[ListVersion]) -> dict[str, tuple[str, ListVersion, str]]:
    """item code → (last op, the version that set it, its reason)."""
    state: dict[str, tuple[str, ListVersion, str]] = {}
    for version in versions:
        for entry in version.entries:
            state[entry["item"]] = (entry["op"], version, entry.get("reason", ""))
    return state


def _versions_of(item_list: ItemList) -> list[ListVersion]:
    cached = getattr(item_list, "_prefetched_objects_cache", {}).get("versions")
    if cached is not None:
        return list(cached)
    return list(item_list.versions.all())


@dataclass
class ListEntry:
    item: Item
    origin: str            # "county": from the county list; "town": added by the town
    version: ListVersion   # the version that put it there
    reason: str = ""


@dataclass
class ListState:
    item_list: ItemList
    as_of: dt.date
    entries: list[ListEntry]
    withheld: list[ListEntry] = field(default_factory=list)  # county items the town does not take
    version: ListVersion | None = None        # this list's latest version in force
    base_version: ListVersion | None = None   # the county list's latest version in force

    @property
    def added(self) -> list[ListEntry]:
        return [e for e in self.entries if e.origin == "town"]

    @property
    def codes(self) -> list[str]:
        return [e.item.code for e in self.entries]


def _codes_in_force(item_list: ItemList, on: dt.date) -> tuple[dict[str, tuple[str, ListVersion, str]],
                                                                list[ListVersion]]:
    versions = _ordered_versions(_versions_of(item_list), on)
    return _replay(versions), versions


def list_state(item_list: ItemList, on: dt.date | None = None, items: dict[str, Item] | None = None) -> ListState:
    """The list exactly as in force on `on` (any past or future date).

    A county list is the replay of its versions. A town list is its county list on that date,
    plus the items the town added, minus the items it withheld (each the town's last word on
    that item on or before the date). `items` (code → Item), when given, is a cache shared by
    calls over many lists: only codes missing from it are read, and it is filled with them.
    """
    on = on or timezone.localdate()
    own, own_versions = _codes_in_force(item_list, on)
    included: dict[str, tuple[str, ListVersion, str]] = {}
    withheld: dict[str, tuple[str, ListVersion, str]] = {}
    base_version = None
    if item_list.base is not None:
        base, base_versions = _codes_in_force(item_list.base, on)
        base_version = base_versions[-1] if base_versions else None
        for code, (op, version, reason) in base.items():
            if op == EntryOp.ADD:
                included[code] = ("county", version, reason)
        for code, (op, version, reason) in own.items():
            if op == EntryOp.ADD:
                if code not in included:
                    included[code] = ("town", version, reason)
            else:
                if code in included:
                    withheld[code] = ("town", version, reason)
                included.pop(code, None)
    else:
        for code, (op, version, reason) in own.items():
            if op == EntryOp.ADD:
                included[code] = ("county", version, reason)
    items = {} if items is None else items
    missing = [c for c in (*included, *withheld) if c not in items]
    if missing:
        items.update({i.code: i for i in Item.objects.filter(code__in=missing)})
    entries = [ListEntry(items[c], *included[c]) for c in sorted(included) if c in items]
    held = [ListEntry(items[c], *withheld[c]) for c in sorted(withheld) if c in items]
    return ListState(item_list, on, entries, held, own_versions[-1] if own_versions else None, base_version)


def lists_for_division(code: str) -> QuerySet[ItemList]:
    return ItemList.objects.filter(division_id=code).select_related("division", "base", "base__division")


def town_list_of(town_code: str, kind: str) -> ItemList | None:
    return ItemList.objects.filter(division_id=town_code, kind=kind).select_related("base").first()


def item_on_town_list(town_code: str, item: Item, on: dt.date) -> bool:
    item_list = town_list_of(town_code, item.list_kind)
    return item_list is not None and item.code in list_state(item_list, on).codes


def version_history(item_list: ItemList) -> QuerySet[ListVersion]:
    return item_list.versions.select_related("change").order_by("-effective_date", "-recorded_at", "-id")
