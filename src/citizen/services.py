"""Writes for citizen reports: `citizen_report`, a report without an account.

The event is born in the one intake (`events.services.event_report`, channel `citizen`, no user):
the intake checks the photos by content, locates the point through the grids (any grid: a
citizen reports places, not data) or the address through the division parser, routes and
computes the deadline. This service adds what is the citizen channel's own: a point must lie in
the city, the phone is checked, the query code is issued, and a retried submission (the form's
`client_id`) answers the first report and its code instead of a second event.
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from citizen import codes, selectors
from citizen.models import CitizenReport
from core.errors import Conflict, PlatformError
from core.personal import KINDS, PHONE
from events.choices import Channel
from events.services import event_report

CLIENT_PREFIX = "report-page:"


@dataclass
class CitizenResult:
    report: CitizenReport
    created: bool

    @property
    def code(self) -> str:
        return self.report.query_code


def _client_id(value: str) -> str:
    """The form's idempotency token (a UUID it was rendered with), namespaced; "" when absent or malformed."""
    try:
        return CLIENT_PREFIX + str(uuid.UUID(str(value or "").strip()))
    except ValueError:
        return ""


def report_for_retry(client_id: str) -> CitizenReport | None:
    """The report a form with this `client_id` already made (a retry), if any."""
    key = _client_id(client_id)
    if not key:
        return None
    return CitizenReport.objects.filter(event__channel=Channel.CITIZEN, event__client_id=key).first()


def _check_phone(phone: str) -> str:
    phone = (phone or "").strip()
    if not phone:
        return ""
    try:
        KINDS[PHONE].validate(phone)
    except ValidationError as exc:
        raise PlatformError(exc.messages[0], code="bad_phone", fields={"phone": exc.messages}) from None
    return KINDS[PHONE].normalise(phone)


def _check_place(lat: float | None, lng: float | None, address: str) -> None:
    if lat is None or lng is None:
        if not (address or "").strip():
            raise PlatformError("请在地图上点选问题所在位置，或填写地址", code="no_location",
                                fields={"position": ["请在地图上点选位置，或在下面填写地址"]})
        return
    if not selectors.point_in_city(lat, lng):
        raise PlatformError("所选位置不在本市范围内，请在地图上重新选择，或填写地址", code="outside_city",
                            fields={"position": ["所选位置不在本市范围内"]})


def _issue_code(event: Any) -> CitizenReport:
    for _ in range(5):  # a collision among 8 × 10^14 codes is next to impossible; retry anyway
        try:
            with transaction.atomic():
                return CitizenReport.objects.create(event=event, query_code=codes.new_code())
        except IntegrityError:
            found = CitizenReport.objects.filter(event=event).first()
            if found is not None:
                return found
    raise Conflict("查询码分配失败，请重新提交", code="code_conflict")


def citizen_report(*, user: Any = None, category: str, description: str, lat: float | None = None,
                   lng: float | None = None, address: str = "", photo_files: Sequence[Any] = (), phone: str = "",
                   client_id: str = "") -> CitizenResult:
    """Report a problem as a citizen; returns the report (its `query_code`) and whether it is new.

    `user` is whoever is signed in, if anyone; it is not the reporter: a citizen report is anonymous
    whatever the session (the event's reporter is empty, its reporter name 匿名市民). `category` is
    a 5-digit class code (the form maps plain words to it); `lat`/`lng` WGS84 degrees from the
    map, or `address` text; `phone` optional, stored SM4-encrypted. Errors (PlatformError, 400,
    fields named as the form's): `category`, `description`, `photos` (not an image by content, too
    big, too many), `position` (no place, or a point outside the city), `address` (not
    recognised), `phone`. A repeated `client_id` returns the first report (created False).
    """
    if not (category or "").strip():
        raise PlatformError("请选择问题类型", code="required", fields={"category": ["请选择问题类型"]})
    _check_place(lat, lng, address)
    phone = _check_phone(phone)
    key = _client_id(client_id)
    with transaction.atomic():  # the event, its photos and the code commit together (or not at all)
        result = event_report(user=None, channel=Channel.CITIZEN, description=description, category=category,
                              lat=lat, lng=lng, address=address, photo_files=photo_files, client_id=key,
                              reporter_phone=phone)
        if not result.created:
            found = CitizenReport.objects.filter(event=result.event).first()
            if found is not None:
                return CitizenResult(found, False)
        return CitizenResult(_issue_code(result.event), result.created)
