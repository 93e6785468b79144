"""Writes of assessment: seeding, dated definition and scheme versions, computing results and
scores (append-only revisions), runs, and the town's powers over stationed bodies.

Every function is keyword-only and takes the acting user (or is a system job run under
`audit.acting_as`). Rules refused raise `core.errors.PlatformError` with a Chinese message.
"""
from __future__ import annotations

from assess.services._common import CONFIG_ROLES, SEED_FROM
from assess.services.compute import (
    grade_of,
    indicator_score,
    results_compute,
    run_execute,
    run_request,
    scores_compute,
    subject_info,
)
from assess.services.config import (
    indicator_version_create,
    indicators_seed,
    scheme_in_force,
    scheme_version_create,
    version_in_force,
    versions_in_force,
)
from assess.services.dual import (
    dispatch_complete,
    dispatch_record,
    dual_score_record,
    suggestion_answer,
    suggestion_create,
)
from assess.services.reporting import report_execute, report_request

__all__ = ["CONFIG_ROLES", "SEED_FROM", "dispatch_complete", "dispatch_record", "dual_score_record", "grade_of",
           "indicator_score", "indicator_version_create", "indicators_seed", "report_execute",
           "report_request", "results_compute", "run_execute",
           "run_request", "scheme_in_force", "scheme_version_create", "scores_compute", "subject_info",
           "suggestion_answer", "suggestion_create", "version_in_force", "versions_in_force"]
