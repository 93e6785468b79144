"""Intake: `event_report`, the only way an event is born (every channel), and `event_from_finding`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from core import audit
from core.errors import Conflict, NotAllowed, PlatformError
from core.inserts import insert_with_child
from core.scoping import Scope, scope_for
from events import hooks, lifecycle, photos, routing
from events.choices import WORKER_CHANNELS, Channel, LocationStatus, Severity
from events.lifecycle import State
from events.models import Event, EventPhoto, Step
from events.services import duplicates
from events.services._common import (
    _actor_name,
    _as,
    _attach_photos,
    _due,
    _point,
    _scope_root,
    _text,
    _warn,
    event_class_for,
)


@dataclass
class ReportResult:
    """`steps` / `photos`: what a new report wrote, and a new `event` holds its related rows
    (`_hold_related`), so the answer needs no re-read."""

    event: Event
    created: bool
    duplicate_of: list[int] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    photos: list[EventPhoto] = field(default_factory=list)



def _locate(*, user: Any, channel: str, point: tuple[float, float] | None, crs: str,
            address: str) -> routing.Location:
    scope: Scope = scope_for(user)
    if point is not None:
        # a signed-in reporter sees only their grids; a citizen without an account reports places, not data
        anonymous = user is None or not getattr(user, "is_authenticated", False)
        found = routing.locate_point(point[0], point[1], crs, None if scope.everything or anonymous else scope)
        if found.status == LocationStatus.IN_GRID:
            return found
        if channel in WORKER_CHANNELS:
            raise PlatformError("该位置不在您可见的任何网格内，网格员只能上报本网格范围内的事件", code="outside_grids",
                                fields={"lat": ["不在可见网格内"], "lng": ["不在可见网格内"]})
        if address:
            by_address = routing.locate_address(address, _scope_root(user))
            if by_address.division:
                by_address.lat, by_address.lng = found.lat, found.lng
                by_address.status = (LocationStatus.AMBIGUOUS if by_address.candidates
                                     else LocationStatus.OUTSIDE_GRIDS)
                by_address.note = "坐标不在您可见的任何网格内，按地址定位（无网格）"
                return by_address
        fallback = _reporter_division(user)
        located = routing.location_of_division(fallback, LocationStatus.OUTSIDE_GRIDS,
                                               "坐标不在您可见的任何网格内，暂按上报人所属区划（无网格）")
        located.lat, located.lng = found.lat, found.lng
        return located
    if channel in WORKER_CHANNELS:
        raise PlatformError("网格员上报须带定位坐标", code="point_required", fields={"lat": ["必填"], "lng": ["必填"]})
    if address:
        found = routing.locate_address(address, _scope_root(user))
        if found.division:
            return found
    note = (f"地址“{address[:40]}”未能在您的管辖范围内识别，暂按上报人所属区划（无网格）" if address
            else "未给出位置，暂按上报人所属区划（无网格）")
    return routing.location_of_division(_reporter_division(user), LocationStatus.REPORTER, note)


def _reporter_division(user: Any) -> str:
    code = getattr(user, "division_id", None)
    if not code:
        raise PlatformError("无法确定事件所在区划：请提供网格内的坐标或可识别的地址", code="no_location",
                            fields={"address": ["无法识别"]})
    return str(code)


def _existing(channel: str, client_id: str, user: Any) -> Event | None:
    """The first event of `(channel, client_id)` (409 `client_id_taken` when it is someone else's
    that `user` cannot see), or None. The `client_id <> ''` term lets SQLite use the partial unique
    index (without it, it walked every event of the channel)."""
    found = list(Event.objects.filter(channel=channel, client_id=client_id).exclude(client_id="").order_by()
                 .values_list("pk", "reporter_id")[:1])
    if not found:
        return None
    pk, reporter_id = found[0]
    if reporter_id not in (None, getattr(user, "pk", None)) and not Event.objects.visible_to(user).filter(
            pk=pk).exists():
        raise Conflict("该客户端编号已被其他上报使用", code="client_id_taken", fields={"client_id": ["已被使用"]})
    return Event.objects.get(pk=pk)


@dataclass
class _Prepared:
    event: Event
    location: routing.Location
    proposal: routing.Route
    photos: list[photos.CleanPhoto]
    step_due: dt.datetime | None
    step_provisional: bool


def event_report(*, user: Any, channel: str, description: str, category: Any = None, category_text: str = "",
                 lat: Any = None, lng: Any = None, crs: str = "wgs84", address: str = "",
                 photo_files: Sequence[Any] = (), client_id: str = "", reporter_name: str = "",
                 reporter_phone: str = "", severity: str | None = None, reported_at: dt.datetime | None = None,
                 source_ref: str = "") -> ReportResult:
    """The one intake. Returns the event and whether it was created (False: the same
    `(channel, client_id)` was reported before, the first event is returned unchanged).

    Shapes: `lat`/`lng` degrees (WGS84, or GCJ-02 with `crs="gcj02"`; stored as WGS84);
    `category` a 5-digit class code (4-digit old codes are mapped) or empty with `category_text`;
    `photo_files` uploaded files or (name, bytes); `reported_at` aware (default now; other systems
    may send the time of the alarm). Errors: 400 for bad input (named field), 400 `outside_grids`
    when a grid worker reports outside the grids they may see, 409 for a client_id of someone else.

    A repeated `client_id` is found by the insert itself (`core.inserts`: the unique constraint
    decides, also for concurrent retries; nor are a step and audit entries written then); a repeat
    whose other fields would now be refused (a class since retired, a place outside the reporter's
    grids) still answers the first event.
    """
    if channel not in Channel.values:
        raise PlatformError("来源渠道不正确", code="bad_channel", fields={"channel": [f"可选：{', '.join(Channel.values)}"]})
    description = _text(description, "description", "事件描述")
    client_id = _text(client_id, "client_id", "客户端编号", required=False, max_length=100)
    address = _text(address, "address", "地址", required=False, max_length=300)
    category_text = _text(category_text, "category_text", "类别描述", required=False, max_length=200)
    if severity not in (None, "") and severity not in Severity.values:
        raise PlatformError("事件等级不正确", code="bad_severity", fields={"severity": ["一般/较大/重大/特别重大"]})
    try:
        ready = _prepare(user=user, channel=channel, description=description, category=category,
                         category_text=category_text, lat=lat, lng=lng, crs=crs, address=address,
                         photo_files=photo_files, client_id=client_id, reporter_name=reporter_name,
                         reporter_phone=reporter_phone, severity=severity, reported_at=reported_at,
                         source_ref=source_ref)
    except PlatformError:
        first = _existing(channel, client_id, user) if client_id else None
        if first is None:
            raise
        return ReportResult(first, False)
    event = ready.event
    step = Step(
        event=event, seq=1, action=lifecycle.Action.REPORT, actor=event.reporter, actor_name=_actor_name(user),
        unit_id=getattr(user, "unit_id", None), at=event.reported_at, note=description[:500], from_state="",
        to_state=State.REPORTED, level=event.level, due_at=ready.step_due, due_provisional=ready.step_provisional,
        data={"channel": channel, "location": ready.location.status, "routing": ready.proposal.as_dict()})
    # the event, its first step and both audit entries: one statement on PostgreSQL, in a transaction
    # only when photos or a step listener write more (hot path: core.inserts)
    more = bool(ready.photos) or hooks.step_writes(event, step)
    new_photos: list[EventPhoto] = []
    with transaction.atomic() if more else nullcontext(), _as(user):
        if insert_with_child(event, step, link="event", ignore_conflicts=bool(client_id)):
            new_photos = _attach_photos(event, step, ready.photos)
            hooks.step_written(event, step)
    if event.pk is None:  # the unique (channel, client_id) holds a first event: the insert skipped this one
        first = _existing(channel, client_id, user)
        if first is None:  # INSERT OR IGNORE skipped the row for another reason: a bug
            raise RuntimeError(f"event ({channel}, {client_id}) neither inserted nor found")
        return ReportResult(first, False)
    _hold_related(event, ready.location, ready.proposal)
    return ReportResult(event, True, hooks.duplicates_of(event), [step], new_photos)


def _prepare(*, user: Any, channel: str, description: str, category: Any, category_text: str, lat: Any, lng: Any,
             crs: str, address: str, photo_files: Sequence[Any], client_id: str, reporter_name: str,
             reporter_phone: str, severity: str | None, reported_at: dt.datetime | None,
             source_ref: str) -> _Prepared:
    """The new event, unsaved: class, point, photos checked, located, routed, its due times and
    the open events it may repeat (`duplicate_of`, written with the insert)."""
    event_class = event_class_for(category)
    point = _point(lat, lng, crs)
    cleaned = photos.clean_uploads(list(photo_files))
    location = _locate(user=user, channel=channel, point=point, crs=crs, address=address)
    at = reported_at or timezone.now()
    sev = routing.effective_severity(event_class, severity or None)
    proposal = routing.route(event_class, location, sev, timezone.localdate(at))
    due_at, provisional = _due(at, event_class, lifecycle.DUE_HANDLE)
    step_due, step_prov = _due(at, event_class, lifecycle.DUE_ACCEPT)
    if not location.division:
        raise PlatformError("无法确定事件所在区划：请提供网格内的坐标或可识别的地址", code="no_location",
                            fields={"address": ["无法识别"]})
    now = timezone.now()
    event = Event(
        event_class=event_class, category_text=category_text, description=description, channel=channel,
        client_id=client_id, source_ref=source_ref[:100], reporter=user if getattr(user, "pk", None) else None,
        reporter_name=(reporter_name or (_actor_name(user) if user is not None else "匿名市民"))[:50],
        reporter_phone=reporter_phone[:30],
        lat=location.lat, lng=location.lng, address=address, location_status=location.status,
        candidates=location.candidates, division_id=location.division, grid_id=location.grid_id,
        village_id=location.village, town_id=location.town, county_id=location.county,
        matter_id=proposal.matter_id, proposed_unit_id=proposal.unit_id, proposed_level=proposal.level,
        unit_id=proposal.unit_id, cooperating=proposal.cooperating, level=proposal.level,
        routing={**proposal.as_dict(), "location_note": location.note}, severity=sev,
        reported_at=at, due_at=due_at, escalate_at=due_at, warn_at=_warn(at, event_class), step_due_at=step_due,
        due_provisional=provisional or step_prov, created_at=now, updated_at=now,
    )
    event.duplicate_of = duplicates.duplicate_candidates_for(event)
    return _Prepared(event, location, proposal, cleaned, step_due, step_prov)


def _hold_related(event: Event, location: routing.Location, proposal: routing.Route) -> None:
    """Fill the related-object caches the answer reads — grid, village / town / county / division,
    matter, unit and proposed unit — from what intake located and routed with, as instances
    holding only what the answer shows (id, code, name), so `POST /api/events/` answers without
    reading the event back (profiled: the nine-relation re-read was a third of an intake's CPU).
    Division names come from the locator's index (every division's name, rebuilt with the grids);
    a code it lacks is left to the ordinary lazy read."""
    from divisions.models import Division
    from grids import locator
    from grids.models import Grid
    from org.models import Unit

    names = locator.get_index().division_names
    for attr in ("village", "town", "county", "division"):
        code = getattr(event, f"{attr}_id")
        if code and code in names:  # instances as a query `.only(…)` gives (from_db: no __init__ of every field)
            setattr(event, attr, Division.from_db(None, ["code", "name"], [code, names[code]]))
    if event.grid_id is not None and location.grid_code:
        event.grid = Grid.from_db(None, ["id", "code", "name"], [event.grid_id, location.grid_code, location.grid_name])
    cls = event.event_class
    if cls is not None and event.matter_id is not None and cls.matter_id == event.matter_id and cls.matter:
        event.matter = cls.matter
    if proposal.unit_id is not None and proposal.unit_name:
        unit = Unit.from_db(None, ["id", "name"], [proposal.unit_id, proposal.unit_name])
        if event.unit_id == proposal.unit_id:
            event.unit = unit
        if event.proposed_unit_id == proposal.unit_id:
            event.proposed_unit = unit


def event_from_finding(*, finding: Any, user: Any, category: Any = None) -> ReportResult:
    """A patrol finding becomes an event in one step (channel `patrol`, client_id = the finding's
    UUID, its point and photo); the finding is marked reported. Idempotent like any intake."""
    from django.core.files.storage import default_storage

    from grids.choices import FindingStatus
    from grids.models import Finding

    worker_user = getattr(getattr(finding.patrol, "worker", None), "user_id", None)
    if worker_user is not None and worker_user != getattr(user, "pk", None) and not getattr(user, "is_superuser",
                                                                                             False):
        raise NotAllowed("只能上报本人的巡查发现", code="not_your_finding")
    files: list[Any] = []
    if finding.photo:
        with default_storage.open(finding.photo, "rb") as fh:
            files.append((finding.photo.rsplit("/", 1)[-1], fh.read()))
    result = event_report(user=user, channel=Channel.PATROL, description=finding.description, category=category,
                          category_text=finding.get_category_display() if not category else "",
                          lat=finding.lat, lng=finding.lng, photo_files=files, client_id=str(finding.uuid),
                          source_ref=f"finding:{finding.uuid}", reported_at=finding.found_at)
    if finding.status != FindingStatus.REPORTED:
        Finding.objects.filter(pk=finding.pk).update(status=FindingStatus.REPORTED)
        finding.status = FindingStatus.REPORTED
        audit.record(finding, "update", {"status": FindingStatus.UNREPORTED}, {"status": FindingStatus.REPORTED})
    return result

