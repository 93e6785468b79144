"""Writes for grids: keyword-only `<entity>_<action>` functions, transactional, audited.

One module per subject — `boundaries` (import with every check, export, retire, bulk create),
`teams` (workers, memberships), `patrols` (start, points, findings, end; every function takes the
acting user) — re-exported here, so callers write `services.grids_import(...)`.
"""
from grids.services.boundaries import (
    GRID_FIELDS,
    HIDDEN_CONFLICT,
    MAX_GRID_EXTENT_DEG,
    ImportResult,
    grid_retire,
    grids_bulk_create,
    grids_export,
    grids_import,
)
from grids.services.patrols import (
    PointsResult,
    covered_codes,
    finding_add,
    own_patrol,
    patrol_add_points,
    patrol_end,
    patrol_start,
    track,
    worker_for_user,
)
from grids.services.teams import membership_add, membership_remove, membership_update, worker_create

__all__ = [
    "GRID_FIELDS", "HIDDEN_CONFLICT", "MAX_GRID_EXTENT_DEG", "ImportResult", "PointsResult", "covered_codes",
    "finding_add", "grid_retire", "grids_bulk_create", "grids_export", "grids_import", "membership_add",
    "membership_remove", "membership_update", "own_patrol", "patrol_add_points", "patrol_end", "patrol_start", "track",
    "worker_create", "worker_for_user",
]
