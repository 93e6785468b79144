"""patrol_audit.*: audit bytes per track point of a patrol, for 300- and 1,000-point patrols.

Each point is sent as its own call through `services.patrol_add_points` (a phone on a bad network
sends one point at a time: the worst case for the audit). The figure is the size of every audit
row the patrol wrote (start, points, end: text columns and the before/after JSON, UTF-8 bytes)
divided by its points; constant bytes per point means the audit grows linearly with the track
(issue 12 item 6; before, 300 points wrote 7.4 MB). Limit beside it: the bytes of the points
themselves as the phone sends them (JSON), so the ratio is the audit's overhead per point."""
from __future__ import annotations

import json
import uuid

from bench.run import Context


def _row_bytes(row: object) -> int:
    text = [row.actor_name, row.source, row.action, row.model, row.object_id, row.object_repr,  # type: ignore[attr-defined]
            row.reason, row.division_code,  # type: ignore[attr-defined]
            json.dumps(row.before, ensure_ascii=False), json.dumps(row.after, ensure_ascii=False)]  # type: ignore[attr-defined]
    return sum(len(t.encode("utf-8")) for t in text)


def _patrol(user: object, grid: object, n: int) -> tuple[float, float]:
    """(audit bytes per point, payload bytes per point) of one n-point patrol."""
    from core import audit
    from core.models import AuditLog
    from grids import services

    first = AuditLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
    payload = 0
    with audit.acting_as(user, source="bench"):
        patrol, _ = services.patrol_start(user=user, uuid=uuid.uuid4())
        for seq in range(n):
            point = {"lat": grid.centroid_lat + (seq % 50) * 1e-5, "lng": grid.centroid_lng + (seq // 50) * 1e-5,  # type: ignore[attr-defined]
                     "seq": seq, "t": f"2026-01-05T{8 + seq // 3600:02d}:{seq // 60 % 60:02d}:{seq % 60:02d}+08:00"}
            payload += len(json.dumps(point))
            services.patrol_add_points(user=user, patrol=patrol, points=[point])
        services.patrol_end(user=user, patrol=patrol)
    total = sum(_row_bytes(r) for r in AuditLog.objects.filter(id__gt=first))
    return total / n, payload / n


def run(ctx: Context) -> None:
    from accounts.models import User
    from core.roles import Role
    from divisions.models import Division
    from grids import services
    from grids.models import Grid, GridWorker

    Division.objects.get_or_create(code="321000000000", defaults=dict(name="扬州市", level="city", kind="市"))
    Division.objects.get_or_create(code="321002000000", defaults=dict(name="广陵区", level="county", kind="区",
                                                                      parent_id="321000000000"))
    Division.objects.get_or_create(code="321002001000", defaults=dict(name="东关街道", level="town", kind="街道",
                                                                      parent_id="321002000000"))
    Division.objects.get_or_create(code="321002001001", defaults=dict(name="琼花观社区", level="village",
                                                                      kind="社区", parent_id="321002001000"))
    ring = [[119.43, 32.39], [119.44, 32.39], [119.44, 32.40], [119.43, 32.40], [119.43, 32.39]]
    if not Grid.objects.filter(code="321002001001901").exists():
        services.grids_bulk_create(grids=[Grid(code="321002001001901", name="bench 网格", type="comprehensive",
                                               division_id="321002001001", village_id="321002001001",
                                               geometry=json.dumps({"type": "Polygon", "coordinates": [ring]}))])
    grid = Grid.objects.get(code="321002001001901")
    user, _ = User.objects.get_or_create(username="bench-patrol", defaults=dict(division_id="321002001001",
                                                                                 roles=[Role.GRID_WORKER]))
    GridWorker.objects.get_or_create(user=user, defaults=dict(division_id="321002001001", name="巡查基准"))
    sizes = (30, 100) if ctx.tiny else (300, 1000)
    for n in sizes:
        per_point, payload = _patrol(user, grid, n)
        ctx.dataset[f"patrol_audit_{n}_points"] = n
        ctx.record(f"patrol_audit.{n}.audit_bytes_per_point", per_point, "B", limit=payload,
                   limit_name="the point as the phone sends it (JSON)")
