"""Reads for the grid worker's phone app. Every query starts from a scoped manager
(`visible_to(user)`); nothing here writes — reports and verifications go from the phone to the
events API (`POST /api/events/`, `POST /api/events/{id}/verify/`), the one path to the data."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from core.roles import Role, has_role
from events.lifecycle import State
from events.models import Event, EventClass, Step
from grids import selectors as grid_selectors
from grids.models import GridWorker

COMMON_CLASSES = 8       # how many classes the picker offers first
COMMON_WINDOW_DAYS = 90  # the reports that decide which classes are common
MY_REPORTS_LIMIT = 50


def worker_of(user: Any) -> GridWorker | None:
    """The user's active grid-worker record, or None (the pages then explain who may use them)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return GridWorker.objects.filter(user=user, active=True).order_by("id").first()


def my_grids(user: Any, worker: GridWorker | None) -> dict[str, Any]:
    """GeoJSON FeatureCollection of the grids the worker serves (properties {code, name, role});
    empty when the user is no grid worker."""
    if worker is None:
        return {"type": "FeatureCollection", "features": []}
    return grid_selectors.worker_grids_geojson(user, worker)


def common_class_codes(user: Any, *, now: dt.datetime | None = None, limit: int = COMMON_CLASSES) -> list[str]:
    """Class codes the user reported most in the last `COMMON_WINDOW_DAYS` days, most used first;
    topped up with the classes most reported in the user's own subtree in that window."""
    since = (now or timezone.now()) - dt.timedelta(days=COMMON_WINDOW_DAYS)
    recent = Event.objects.visible_to(user).filter(reported_at__gte=since, event_class__isnull=False)
    codes: list[str] = []
    for qs in (recent.filter(reporter=user), recent):
        rows = (qs.order_by().values("event_class__code").annotate(n=Count("id"))
                .order_by("-n", "event_class__code")[:limit])
        for row in rows:
            if row["event_class__code"] not in codes:
                codes.append(row["event_class__code"])
        if len(codes) >= limit:
            break
    return codes[:limit]


def class_choices(user: Any) -> list[dict[str, Any]]:
    """The active classes the user may read, as [{code, name, major, common}] with the common
    classes first (in order of use), then the rest by code."""
    classes = list(EventClass.objects.visible_to(user).filter(is_active=True).order_by("code")
                   .values("code", "name", "major_name"))
    common = common_class_codes(user)
    rank = {code: i for i, code in enumerate(common)}
    rows = [{"code": c["code"], "name": c["name"], "major": c["major_name"], "common": c["code"] in rank}
            for c in classes]
    rows.sort(key=lambda r: (0, rank[r["code"]]) if r["common"] else (1, r["code"]))
    return rows


def my_reports(user: Any, limit: int = MY_REPORTS_LIMIT) -> QuerySet[Event]:
    """The user's own reports (any channel), newest first, with their class."""
    return (Event.objects.visible_to(user).filter(reporter=user).select_related("event_class")
            .only("id", "code", "state", "state_kind", "description", "reported_at", "address", "client_id",
                  "event_class__code", "event_class__name", "category_text", "rework_count")
            .order_by("-reported_at", "-id")[:limit])


def awaiting_verification(user: Any) -> QuerySet[Event]:
    """Handled events the user reported as a grid worker: the lifecycle's `reporting_worker` may
    verify them (events.lifecycle.TABLE, 核查). Empty for anyone without the grid-worker role."""
    qs = Event.objects.visible_to(user).filter(reporter=user, state=State.HANDLED)
    if not has_role(user, (Role.GRID_WORKER,)):
        return qs.none()
    return qs.select_related("event_class", "unit").order_by("step_due_at", "id")


@dataclass
class VerifyView:
    """What the worker needs to judge a handling: the event and the handler's feedback step."""

    event: Event
    feedback: Step | None
    feedback_photos: int


def verification(user: Any, pk: int) -> VerifyView | None:
    """The event `pk` if it awaits the user's verification, with its latest 处置反馈; else None."""
    event = awaiting_verification(user).filter(pk=pk).first()
    if event is None:
        return None
    feedback = (Step.objects.visible_to(user).filter(event=event, action="feedback").select_related("unit")
                .order_by("-seq").first())
    count = feedback.photos.count() if feedback is not None else 0
    return VerifyView(event=event, feedback=feedback, feedback_photos=count)
