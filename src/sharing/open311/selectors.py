"""Reads behind Open311: which services and requests a caller sees, and how a request reads.

Two audiences (GeoReport v2 needs a key only to POST):
- **with a key holding `events:read`**: the key's division subtree (`Event.objects.visible_to`
  of its service account), every active class, the request as the platform holds it;
- **without one** (published client libraries read so): only classes the city published
  (`Open311Service.public`), their non-void requests anywhere in the city, and none of a
  reporter's name, phone or exact position: the position is the request's grid's representative
  point (none without a grid), the address is the village or town name, the description is the
  class name with the status — free text is published only after a handler approves it, which
  the platform does not offer yet, so it is never published.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils import timezone

from events.lifecycle import State, StateKind
from events.models import Event, EventClass
from sharing.choices import KeyScope
from sharing.models import ApiKey

DEFAULT_DAYS = 90     # spec: without dates, the last 90 days
MAX_REQUESTS = 1000   # spec: at most 1000 requests per answer


def reader_key(request: Any) -> ApiKey | None:
    """The key of a read that may see the key's subtree (None: the public view)."""
    key = getattr(request, "auth", None)
    return key if isinstance(key, ApiKey) and key.allows(KeyScope.EVENTS_READ) else None


def classes_for(key: ApiKey | None) -> Any:
    qs = EventClass.objects.filter(is_active=True).select_related("open311")
    if key is None:
        return qs.filter(open311__public=True)
    return qs.visible_to(key.user)


def events_for(key: ApiKey | None) -> Any:
    """Events the caller may read, with their last step's note (one subquery, not a query per row)."""
    from django.db.models import OuterRef, Subquery

    from events.models import Step

    last_note = Step.objects.filter(event=OuterRef("pk")).order_by("-seq").values("note")[:1]
    qs = Event.objects.select_related("event_class", "unit", "grid", "village", "town", "division").defer(
        "grid__geometry", "village__boundary", "town__boundary", "division__boundary").annotate(
        last_note=Subquery(last_note))
    if key is None:
        return qs.filter(event_class__open311__public=True, event_class__is_active=True).exclude(
            state_kind=StateKind.VOID)
    return qs.visible_to(key.user)


def _local(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def status_of(event: Event) -> str:
    return "open" if event.state_kind == StateKind.OPEN else "closed"


def _last_note(event: Event) -> str:
    note = getattr(event, "last_note", None)
    if note is None and not hasattr(event, "last_note"):
        step = event.steps.order_by("-seq").only("note").first()
        note = step.note if step else ""
    return note or ""


def request_row(event: Event, *, public: bool) -> dict[str, Any]:
    """One GeoReport v2 service request. See the module docstring for what the public view hides."""
    cls = event.event_class
    label = str(State(event.state).label) if event.state in State.values else event.state
    row: dict[str, Any] = {
        "service_request_id": str(event.pk),
        "status": status_of(event),
        "service_name": cls.name if cls else "",
        "service_code": cls.code if cls else "",
        "agency_responsible": event.unit.name if event.unit_id and event.unit else "",
        "service_notice": "",
        "requested_datetime": _local(event.reported_at),
        "updated_datetime": _local(event.updated_at),
        "expected_datetime": _local(event.due_at),
        "address_id": event.division_id,
        "zipcode": "",
        "media_url": "",
    }
    if public:
        place = event.village or event.town or event.division
        point = None
        if event.grid_id and event.grid is not None:
            point = (event.grid.centroid_lat, event.grid.centroid_lng)
        row.update(status_notes=label, description=f"{row['service_name'] or '事件'}（{label}）",
                   address=place.name if place else "", lat=point[0] if point else None,
                   long=point[1] if point else None)
    else:
        row.update(status_notes=_last_note(event) or label, description=event.description,
                   address=event.address or (event.division.name if event.division_id else ""),
                   lat=event.lat, long=event.lng)
    return row


def service_row(cls: EventClass) -> dict[str, Any]:
    meta = getattr(cls, "open311", None) if hasattr(cls, "open311") else None
    return {
        "service_code": cls.code,
        "service_name": cls.name,
        "description": (meta.description if meta else "") or cls.name,
        "metadata": bool(meta and meta.attributes),
        "type": "realtime",
        "keywords": meta.keywords if meta else "",
        "group": (meta.group if meta else "") or cls.major_name,
    }


def filter_requests(qs: Any, *, ids: list[str], service_codes: list[str], start: dt.datetime | None,
                    end: dt.datetime | None, statuses: list[str]) -> Any:
    """The spec's filters. With ids, the other filters are ignored (as the spec says)."""
    if ids:
        return qs.filter(pk__in=[int(i) for i in ids if i.isdigit()])
    if service_codes:
        qs = qs.filter(event_class__code__in=service_codes)
    if start is None and end is None:
        start = timezone.now() - dt.timedelta(days=DEFAULT_DAYS)
    if start is not None:
        qs = qs.filter(reported_at__gte=start)
    if end is not None:
        qs = qs.filter(reported_at__lte=end)
    if statuses:
        q = Q()
        if "open" in statuses:
            q |= Q(state_kind=StateKind.OPEN)
        if "closed" in statuses:
            q |= ~Q(state_kind=StateKind.OPEN)
        qs = qs.filter(q)
    return qs
