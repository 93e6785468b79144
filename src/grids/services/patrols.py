"""Patrols (巡查): start, append track points, record findings, end.

Every function takes the acting user and applies the patrol rules itself, so no caller (API, page,
command) can skip them:

- only a user linked to an active `GridWorker` patrols (403 otherwise); only the patrol's own worker
  adds points, records findings and ends it — for anyone else the patrol does not exist (404);
- a finding is attached to a grid only when the user may see that grid, and ending a patrol lists
  as covered only grids the user may see (nothing of another town is compared, named or counted);
- a retried start, point or finding with the same client id (`uuid`, `seq`) returns the first row:
  insert-or-return in one statement (`core.inserts`), safe under concurrent retries on PostgreSQL.

Track points are append-only rows (`PatrolPoint`). Each call that adds points writes one compact
audit row on the patrol listing only the points it added (`audit.record_many`), so a patrol's
audit grows linearly with its track — the old design re-encoded and audited the whole track on
every point (300 points → 7.4 MB; issue 12 item 6). Benchmark: `bench/cases/patrol_audit.py`.
"""
from __future__ import annotations

import datetime as dt
import math
import uuid as uuidlib
from dataclasses import dataclass
from typing import Any

import shapely
from django.db import transaction
from django.db.models import Case, Max, Value, When
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core import audit, files
from core.errors import Conflict, NotAllowed, NotFound, PlatformError
from core.inserts import insert_ignoring_conflicts
from core.scoping import Scope, scope_for
from core.uploads import PHOTO_KINDS, check_upload
from grids import geo, locator
from grids.choices import FindingCategory, FindingStatus, PatrolStatus, TeamRole
from grids.models import Finding, Grid, GridWorker, Patrol, PatrolPoint

MAX_POINTS_PER_CALL = 1000
MAX_PHOTO_BYTES = 10 * 1024 * 1024


def worker_for_user(user: Any) -> GridWorker:
    """The user's grid-worker record. Raises NotAllowed (403) when the user is no grid worker."""
    worker = GridWorker.objects.filter(user=user, active=True).order_by("id").first() \
        if getattr(user, "is_authenticated", False) else None
    if worker is None:
        raise NotAllowed("当前账号未登记为网格员，不能巡查", code="not_a_grid_worker")
    return worker


def own_patrol(*, user: Any, patrol: Patrol | int, lock: bool = False) -> Patrol:
    """The user's own patrol (row-locked with `lock`). Another worker's patrol, or one outside the
    user's scope, is NotFound (404), exactly as a patrol that does not exist."""
    worker = worker_for_user(user)
    pk = patrol.pk if isinstance(patrol, Patrol) else patrol
    qs = Patrol.objects.visible_to(user).filter(pk=pk, worker=worker)
    found = (qs.select_for_update() if lock else qs).first()
    if found is None:
        raise NotFound("巡查不存在或不是您的巡查")
    return found


def _coerce_point(point: Any, what: str = "point") -> tuple[float, float]:
    """(lng, lat) in WGS84 from {lat, lng, crs?}; PlatformError (400) on anything else."""
    try:
        lat = float(point["lat"])
        lng = float(point["lng"])
    except (TypeError, KeyError, ValueError):
        raise PlatformError("坐标格式有误，需要 lat 与 lng 数值", code="bad_point", fields={what: ["坐标格式有误"]})
    if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
        raise PlatformError("坐标超出范围", code="bad_point", fields={what: ["坐标超出范围"]})
    if point.get("crs") == "gcj02":
        lng, lat = geo.gcj02_to_wgs84(lng, lat)
    return lng, lat


def _point_time(value: Any, n: int) -> dt.datetime:
    if value in (None, ""):
        return timezone.now()
    parsed = value if isinstance(value, dt.datetime) else parse_datetime(str(value)) if isinstance(value, str) else None
    if parsed is None:
        raise PlatformError(f"第 {n} 个点的时间格式有误（应为 ISO 8601，如 2026-01-05T09:00:00+08:00）",
                            code="bad_point", fields={"points": [f"第 {n} 个点的时间格式有误"]})
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _seq(value: Any, n: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2 ** 31:
        raise PlatformError(f"第 {n} 个点的序号 seq 须为非负整数", code="bad_point",
                            fields={"points": [f"第 {n} 个点的序号有误"]})
    return value


@dataclass
class PointsResult:
    patrol: Patrol
    received: int  # points in the call
    added: int  # points stored by this call (the rest were retries of stored seqs)
    total: int  # points of the patrol now


def _append_points(patrol: Patrol, points: Any) -> PointsResult:
    if not isinstance(points, list) or not points:
        raise PlatformError("没有轨迹点", code="no_points", fields={"points": ["至少一个点"]})
    if len(points) > MAX_POINTS_PER_CALL:
        raise PlatformError(f"一次最多提交 {MAX_POINTS_PER_CALL} 个轨迹点", code="too_many_points",
                            fields={"points": [f"最多 {MAX_POINTS_PER_CALL} 个"]})
    parsed: list[tuple[int | None, float, float, dt.datetime]] = []
    for n, point in enumerate(points, 1):
        if not isinstance(point, dict):
            raise PlatformError("轨迹点格式有误", code="bad_point", fields={"points": [f"第 {n} 个点格式有误"]})
        lng, lat = _coerce_point(point, "points")
        parsed.append((_seq(point.get("seq"), n), lng, lat, _point_time(point.get("t"), n)))
    next_seq = 0
    if any(seq is None for seq, *_ in parsed):  # numbered after every point stored or sent so far
        stored = PatrolPoint.objects.filter(patrol=patrol).aggregate(m=Max("seq"))["m"]
        next_seq = max([-1 if stored is None else stored] + [s for s, *_ in parsed if s is not None]) + 1
    rows: dict[int, PatrolPoint] = {}
    for seq, lng, lat, t in parsed:
        if seq is None:
            seq, next_seq = next_seq, next_seq + 1
        rows.setdefault(seq, PatrolPoint(patrol=patrol, seq=seq, lng=lng, lat=lat, t=t))
    inserted = sorted(s for (s,) in insert_ignoring_conflicts(PatrolPoint, list(rows.values()), returning=("seq",)))
    if inserted:
        added = [[s, rows[s].lng, rows[s].lat, rows[s].t.isoformat()] for s in inserted]
        audit.record_many([(patrol, "update", None, {"points_added": added})])
    total = PatrolPoint.objects.filter(patrol=patrol).count()
    return PointsResult(patrol=patrol, received=len(points), added=len(inserted), total=total)


@transaction.atomic
def patrol_start(*, user: Any, uuid: uuidlib.UUID | str, started_at: dt.datetime | None = None,
                 point: dict | None = None, grid: Grid | None = None) -> tuple[Patrol, bool]:
    """Start a patrol for the user's grid-worker record: (patrol, created).

    Idempotent on the client's `uuid`: a retry returns the first row (created False), also under
    concurrent retries; a uuid used by another worker is a Conflict (409). `grid` (the patrol's
    main grid) must be one the user may see, else it is refused as if it did not exist (400);
    by default the worker's first grid (head first). `point`: an optional first track point."""
    worker = worker_for_user(user)
    if grid is not None and not Grid.objects.visible_to(user).filter(pk=grid.pk).exists():
        raise PlatformError("网格不存在", code="bad_grid", fields={"grid": ["网格不存在"]})
    if grid is None:
        head_first = Case(When(role=TeamRole.HEAD, then=Value(0)), default=Value(1))
        head = (worker.memberships.filter(grid__in=Grid.objects.visible_to(user))
                .order_by(head_first, "grid__code").select_related("grid").first())
        grid = head.grid if head else None
    if point is not None:
        _coerce_point(point)  # a bad first point refuses the start before anything is written
    patrol = Patrol(uuid=uuid, worker=worker, division_id=worker.division_id, grid=grid,
                    started_at=started_at or timezone.now())
    rows = insert_ignoring_conflicts(Patrol, [patrol])
    if not rows:
        existing = Patrol.objects.filter(uuid=uuid).first()
        if existing is None:  # INSERT OR IGNORE skipped the row for another reason: a bug
            raise RuntimeError(f"patrol {uuid} neither inserted nor found")
        if existing.worker_id != worker.pk:
            raise Conflict("该巡查编号已被使用", code="uuid_taken")
        return existing, False
    patrol.pk = rows[0][0]
    patrol._state.adding = False
    audit.record(patrol, "create", None, audit.snapshot(patrol))
    if point is not None:
        _append_points(patrol, [{**point, "seq": 0}])
    return patrol, True


@transaction.atomic
def patrol_add_points(*, user: Any, patrol: Patrol | int, points: Any) -> PointsResult:
    """Append track points [{lat, lng, crs?, t (ISO 8601)?, seq?}] to the user's own active patrol.

    A point whose `seq` is already stored is ignored (a retry); a point without `seq` gets the
    next free one. Refused: a patrol that is not the user's (404), an ended patrol (409), bad
    points (400, nothing stored). Audit: one compact row listing the points added."""
    own = own_patrol(user=user, patrol=patrol, lock=True)
    if own.status != PatrolStatus.ACTIVE:
        raise Conflict("巡查已结束，不能再添加轨迹点", code="patrol_ended")
    return _append_points(own, points)


def _grid_at(lng: float, lat: float, scope: Scope) -> Grid | None:
    """The grid a point belongs to among those the scope may see (locator's edge rule)."""
    codes = locator.locate_many([lat], [lng], scope=scope)[0]
    return Grid.objects.filter(code=codes[0]).first() if codes else None


@transaction.atomic
def finding_add(*, user: Any, patrol: Patrol | int, uuid: uuidlib.UUID | str, category: str, description: str,
                point: dict, photo: Any = None, found_at: dt.datetime | None = None) -> tuple[Finding, bool]:
    """Record a finding on the user's own patrol: (finding, created).

    Idempotent on the finding's `uuid` (a retry returns the first row; a uuid of another patrol is
    a Conflict). The finding's grid is the one holding the point among the grids the user may see;
    a point in another area's grid is recorded with no grid (never attached to a grid the user
    cannot see). The photo (jpg/png/webp/heic, ≤ 10 MB) is written after the commit, only when the
    finding was created."""
    own = own_patrol(user=user, patrol=patrol)
    if category not in FindingCategory.values:
        raise PlatformError("发现类别不存在", code="bad_category", fields={"category": ["请选择类别"]})
    if not (description or "").strip():
        raise PlatformError("请填写发现描述", code="no_description", fields={"description": ["必填"]})
    lng, lat = _coerce_point(point)
    content = b""
    suffix = ""
    if photo is not None:
        name = getattr(photo, "name", "") or "photo.jpg"
        if (getattr(photo, "size", 0) or 0) > MAX_PHOTO_BYTES:
            raise PlatformError("照片不能超过 10MB", code="bad_photo", fields={"photo": ["超过 10MB"]})
        content = photo.read()
        # by content, not by the name's suffix (core.uploads): jpg, png, webp or heic
        kind, _ = check_upload(content, name, allowed=PHOTO_KINDS, field="photo")
        suffix = f".{kind.extension}"
    finding = Finding(uuid=uuid, patrol=own, grid=_grid_at(lng, lat, scope_for(user)), category=category,
                      description=description.strip(), lng=lng, lat=lat, found_at=found_at or timezone.now(),
                      status=FindingStatus.UNREPORTED)
    if photo is not None:
        finding.photo = files.unique_name(f"grids/findings/{timezone.localdate():%Y/%m}/{uuid}{suffix}")
    rows = insert_ignoring_conflicts(Finding, [finding])
    if not rows:
        existing = Finding.objects.filter(uuid=uuid).first()
        if existing is None:
            raise RuntimeError(f"finding {uuid} neither inserted nor found")
        if existing.patrol_id != own.pk:
            raise Conflict("该发现编号已被使用", code="uuid_taken")
        return existing, False
    finding.pk = rows[0][0]
    finding._state.adding = False
    audit.record(finding, "create", None, audit.snapshot(finding))
    if photo is not None:
        files.store_on_commit(finding.photo, content, unique=False)
    return finding, True


def covered_codes(coords: list[list[float]] | list[tuple[float, float]], scope: Scope | None = None) -> list[str]:
    """Grids touched by a track (its points, and the segments between them), comprehensive first;
    only grids inside `scope` when given."""
    if not coords:
        return []
    index = locator.get_index()
    if index.tree is None:
        return []
    shape = shapely.LineString(coords) if len(coords) > 1 else shapely.Point(coords[0])
    hits = index.tree.query(shape, predicate="intersects")
    if scope is not None and not scope.everything:
        hits = hits[index.scope_mask(scope.prefix or "")[hits]]
    return sorted({index.codes[i] for i in hits.tolist()}, key=lambda c: (c[9:12] == "000", c))


def track(patrol: Patrol) -> list[PatrolPoint]:
    """The patrol's points in order (uses prefetched `points` when present)."""
    cache = getattr(patrol, "_prefetched_objects_cache", {})
    points = cache["points"] if "points" in cache else patrol.points.order_by("seq")
    return sorted(points, key=lambda p: p.seq)


@transaction.atomic
def patrol_end(*, user: Any, patrol: Patrol | int, ended_at: dt.datetime | None = None) -> Patrol:
    """End the user's own patrol: point count, duration, distance, and the grids covered that the
    user may see. Ending twice changes nothing."""
    own = own_patrol(user=user, patrol=patrol, lock=True)
    if own.status == PatrolStatus.ENDED:
        return own
    coords = [[p.lng, p.lat] for p in track(own)]
    own.ended_at = ended_at or timezone.now()
    own.duration_s = max(0, int((own.ended_at - own.started_at).total_seconds()))
    own.distance_m = round(geo.distance_m(coords), 1)
    own.point_count = len(coords)
    own.grids_covered = covered_codes(coords, scope_for(user))
    own.status = PatrolStatus.ENDED
    own.save()
    return own
