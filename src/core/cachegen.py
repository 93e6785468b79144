"""Cross-process invalidation for in-process caches.

Each cache has a row in CacheGeneration. Writers call `bump(name)` (after commit); readers call
`current(name)`, which re-reads the counter at most every CACHE_GENERATION_TTL seconds, and
rebuild when it moved. So web and worker processes pick up changes without a restart, and the
hot path costs a dictionary lookup most of the time.
"""
from __future__ import annotations

import threading
import time

from django.conf import settings
from django.db import transaction
from django.db.models import F

_lock = threading.Lock()
_seen: dict[str, tuple[int, float]] = {}
# Bumps made by this process, counted at once (before commit), so the writing process never
# serves its own stale cache; monotonic for the life of the process.
_local: dict[str, int] = {}
# Advanced by forget_local(): tests roll the database counter back to 0 between tests, so the
# numbers handed out must never repeat within a process.
_epoch = 0


def _read_all() -> dict[str, int]:
    """Every counter in one query (the table holds one small row per cache)."""
    from core.models import CacheGeneration

    return {name: int(gen) for name, gen in CacheGeneration.objects.values_list("name", "generation")}


def current(name: str, max_age: float | None = None) -> int:
    """A number that changes whenever `name` was bumped, here or in any other process.

    The database counter is re-read when older than `max_age` seconds (CACHE_GENERATION_TTL).
    Compare the value for equality only.
    """
    ttl = settings.CACHE_GENERATION_TTL if max_age is None else max_age
    now = time.monotonic()
    seen = _seen.get(name)
    if seen is None or now - seen[1] >= ttl:
        # one query refreshes every counter this process has read (an intake consults five caches:
        # one read each half-second instead of five)
        found = _read_all()
        with _lock:
            for known in [*_seen, name]:
                _seen[known] = (found.get(known, 0), now)
        seen = _seen[name]
    return (_epoch * 1_000_000 + seen[0]) * 1_000_000 + _local.get(name, 0)


def bump(name: str) -> None:
    """Advance the generation once the surrounding transaction commits."""
    from core.models import CacheGeneration

    with _lock:
        _local[name] = _local.get(name, 0) + 1

    def _do() -> None:
        updated = CacheGeneration.objects.filter(name=name).update(generation=F("generation") + 1)
        if not updated:
            CacheGeneration.objects.get_or_create(name=name, defaults={"generation": 1})
        _seen.pop(name, None)

    transaction.on_commit(_do)


def forget_local() -> None:
    """Drop this process's memory of generations; every cache rebuilds on its next use (tests)."""
    global _epoch
    with _lock:
        _epoch += 1
        _seen.clear()
