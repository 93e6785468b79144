"""Pages: the event list and queue (`/events/`) and its Excel export (`/events/export.xlsx`).

Both read `Event.objects.visible_to(user)` through the one `EventFilterSet` (the API's), so the
page, the download and `GET /api/events/` filter alike. Thin: no rule lives here.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.errors import PlatformError
from core.filters import division_param
from core.forms import add_platform_error
from core.reports import xlsx
from divisions.models import Division
from events.choices import Channel, Level
from events.filtersets import EventFilterSet
from events.lifecycle import State, StateKind
from events.models import Event, EventClass
from org.models import Unit

PAGE_SIZE = 50
EXPORT_LIMIT = 50_000
# the related divisions and grid carry GeoJSON: never read them for a list
LIST_RELATED = ("event_class", "division", "town", "unit")
LIST_DEFER = ("division__boundary", "town__boundary")


def _filtered(request: HttpRequest) -> tuple[EventFilterSet, QuerySet[Event] | None]:
    """The filterset bound to the query string and its rows (None when a filter was refused: the
    form then carries the message beside the field)."""
    base = Event.objects.visible_to(request.user).select_related(*LIST_RELATED).defer(*LIST_DEFER)
    fs = EventFilterSet(request.GET, queryset=base, request=request)
    if not fs.is_valid():
        return fs, None
    try:
        qs = fs.qs  # filter methods (state, division) raise a PlatformError while the query is built
    except PlatformError as exc:
        add_platform_error(fs.form, exc)
        return fs, None
    ordering = tuple(qs.query.order_by) or ("-reported_at",)
    return fs, qs.order_by(*ordering, "-id")


@login_required
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    """`/events/` — every filter of the API (`EventFilterSet`), sortable columns, 50 a page."""
    user = request.user
    fs, qs = _filtered(request)
    page: Page[Any] = Paginator(qs if qs is not None else Event.objects.none(), PAGE_SIZE).get_page(
        request.GET.get("page"))
    context = {
        "filter": fs, "page": page,
        "states": State.choices, "kinds": StateKind.choices, "levels": Level.choices, "channels": Channel.choices,
        "classes": EventClass.objects.visible_to(user).filter(is_active=True).order_by("code").values_list(
            "code", "name"),
        "units": Unit.objects.visible_to(user).order_by("division_id", "order", "name").values_list("id", "name")[:500],
        "values": request.GET, "now": timezone.now(),
    }
    return render(request, "events/list.html", context, status=200 if qs is not None else 400)


def _area(fs: EventFilterSet, user: Any) -> str:
    """The area the list covers: the division filtered on, else the user's own (else 全域)."""
    asked = fs.form.cleaned_data.get("division") if hasattr(fs.form, "cleaned_data") else None
    code = division_param(asked) if asked else getattr(user, "division_id", None)
    name = Division.objects.filter(code=code).values_list("name", flat=True).first() if code else None
    return name or _("全域")


EXPORT_HEADER = ["事件编号", "ID", "类别编码", "类别名称", "描述", "状态", "层级", "区划", "地址", "承办单位", "来源渠道",
                 "上报时间", "办结时限", "结案时间", "是否超期"]


def _export_rows(qs: QuerySet[Event]) -> Iterator[list[Any]]:
    states, levels, channels = dict(State.choices), dict(Level.choices), dict(Channel.choices)
    now = timezone.now()
    fields = ("code", "id", "event_class__code", "event_class__name", "category_text", "description", "state",
              "state_kind", "level", "division__name", "address", "unit__name", "channel", "reported_at", "due_at",
              "closed_at")
    for row in qs[:EXPORT_LIMIT].values_list(*fields).iterator(chunk_size=2000):
        (code, pk, cls_code, cls_name, text, description, state, kind, level, division, address, unit, channel,
         reported, due, closed) = row
        overdue = kind == StateKind.OPEN and due is not None and due < now
        yield [code or "", pk, cls_code or "", cls_name or text, description, states.get(state, state),
               levels.get(level, level), division, address, unit or "", channels.get(channel, channel), reported, due,
               closed, overdue]


@login_required
@require_GET
def event_export(request: HttpRequest) -> HttpResponse:
    """`/events/export.xlsx?<the list's filters>` — the filtered list (at most 50,000 rows, in the
    list's order) through `core.reports.xlsx`; a refused filter answers the list page with 400."""
    fs, qs = _filtered(request)
    if qs is None:
        return event_list(request)
    title = _("事件列表")
    return xlsx.response(f"{title}.xlsx", [xlsx.Sheet(name=_("事件"), header=EXPORT_HEADER, rows=_export_rows(qs))],
                         title=title, area=_area(fs, request.user), stream=True)
