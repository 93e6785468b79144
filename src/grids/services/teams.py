"""Grid teams (一格一长多员): workers and memberships."""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import Conflict, PlatformError
from divisions.choices import Level
from divisions.models import Division
from grids.choices import TeamRole, WorkerKind
from grids.models import Grid, GridMembership, GridWorker


@transaction.atomic
def worker_create(*, division: Division, name: str, kind: str = WorkerKind.FULL_TIME, phone: str = "",
                  user: Any = None) -> GridWorker:
    if division.level not in (Level.VILLAGE, Level.TOWN):
        raise PlatformError("网格员须隶属于村（社区）或乡镇（街道）", code="bad_division",
                            fields={"division": ["须为村（社区）或乡镇（街道）"]})
    return GridWorker.objects.create(division=division, name=name, kind=kind, phone=phone, user=user)


@transaction.atomic
def membership_add(*, grid: Grid, worker: GridWorker, role: str = TeamRole.MEMBER, replace_head: bool = False,
                   since: dt.date | None = None) -> GridMembership:
    """Put a person on a grid's team. A grid has exactly one head: adding a second is refused
    unless `replace_head` (then the old head becomes a member)."""
    if not worker.division_id[:6] == grid.division_id[:6]:
        raise PlatformError("网格员只能加入本县（市、区）的网格", code="outside_county", fields={"worker": ["不在本县"]})
    if GridMembership.objects.filter(grid=grid, worker=worker).exists():
        raise Conflict(f"{worker.name} 已在网格 {grid.code} 的团队中", code="already_member")
    if role == TeamRole.HEAD:
        current = GridMembership.objects.select_for_update().filter(grid=grid, role=TeamRole.HEAD).first()
        if current is not None:
            if not replace_head:
                raise Conflict(f"网格 {grid.code} 已有网格长 {current.worker.name}，一格只能有一名网格长",
                               code="head_exists", fields={"role": ["该网格已有网格长"]})
            current.role = TeamRole.MEMBER
            current.save()
    try:
        with transaction.atomic():
            return GridMembership.objects.create(grid=grid, worker=worker, role=role, since=since or timezone.localdate())
    except IntegrityError as exc:
        raise Conflict("一格只能有一名网格长", code="head_exists") from exc


@transaction.atomic
def membership_update(*, membership: GridMembership, role: str | None = None, since: dt.date | None = None,
                      grid: Grid | None = None, worker: GridWorker | None = None) -> GridMembership:
    """Change a member's role or start date. The grid and the person cannot change (remove and add
    again); a second head is refused (409), as in `membership_add`."""
    for key, value in (("grid", grid), ("worker", worker)):
        if value is not None and value != getattr(membership, key):
            raise PlatformError("不能修改网格或人员，请删除后重新添加", code="immutable")
    if role == TeamRole.HEAD and membership.role != TeamRole.HEAD \
            and GridMembership.objects.filter(grid=membership.grid, role=TeamRole.HEAD).exists():
        raise Conflict("该网格已有网格长，一格只能有一名网格长", code="head_exists")
    if role is not None:
        membership.role = role
    if since is not None:
        membership.since = since
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError as exc:
        raise Conflict("一格只能有一名网格长", code="head_exists") from exc
    return membership


@transaction.atomic
def membership_remove(*, membership: GridMembership) -> None:
    membership.delete()
