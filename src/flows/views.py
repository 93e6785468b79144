"""Pages: map list and import, the modeler, an item's map, cases, a case with its map. The steps
waiting for a user are in the platform's one to-do list (web:todo, source "flows.step")."""
from __future__ import annotations

import datetime as dt
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from catalog.models import Item
from core import audit
from core.errors import PlatformError
from core.roles import has_role
from core.scoping import code_level
from divisions.models import Division
from flows import engine, selectors, services
from flows import inputs as flow_inputs
from flows.choices import TEMPLATE_FOR_KIND, TEMPLATE_LABELS, MapStatus
from flows.filtersets import CaseFilterSet, ProcessMapFilterSet
from flows.forms import CaseStartForm, MapImportForm, first_error
from flows.models import Case, ProcessMap
from flows.templates_dir import template_bytes


def _page(request, qs, size=50):  # noqa: ANN001, ANN202
    return Paginator(qs, size).get_page(request.GET.get("page"))


@login_required
def maps(request):  # noqa: ANN001, ANN201
    """Process maps in scope (filters), plus import (.bpmn or a template) for map editors."""
    user = request.user
    if request.method == "POST":
        form = MapImportForm(request.POST, request.FILES, user=user)
        if not form.is_valid():
            messages.error(request, first_error(form))
            return HttpResponseRedirect(reverse("flows:maps"))
        item, upload = form.cleaned_data["item"], form.cleaned_data["file"]
        try:
            if upload:
                xml, source = upload.read(), upload.name
            else:
                key = form.cleaned_data["template"] or TEMPLATE_FOR_KIND.get(item.kind, "public_service")
                xml, source = template_bytes(key), f"template:{key}"
            with audit.acting_as(user, source="web"):
                pm = services.processmap_import(user=user, item=item, division_code=form.cleaned_data["division"],
                                                xml=xml, source_name=source)
        except PlatformError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(reverse("flows:maps"))
        messages.success(request, f"已导入为草稿 v{pm.version}")
        return HttpResponseRedirect(reverse("flows:map", args=[pm.pk]))
    qs = ProcessMap.objects.visible_to(user).select_related("item", "division").order_by("item__code", "division_id",
                                                                                         "-version")
    fs = ProcessMapFilterSet(request.GET, queryset=qs, request=request)
    try:
        rows = _page(request, fs.qs)
    except PlatformError as exc:
        messages.error(request, exc.message)
        rows = _page(request, qs.none())
    divisions = Division.objects.visible_to(user).filter(level__in=["county", "town"], code__startswith=(user.division_id or "")[:6]).order_by("code")[:300] if user.division_id else Division.objects.none()
    return render(request, "flows/maps.html", {"rows": rows, "filters": request.GET, "statuses": MapStatus.choices,
                                               "templates": TEMPLATE_LABELS, "divisions": divisions,
                                               "can_edit": has_role(user, services.MAP_WRITERS),
                                               "lane_rows": sorted(selectors.lane_mappings().values(), key=lambda m: m.name)})


@login_required
def map_detail(request, pk: int):  # noqa: ANN001, ANN201
    """The modeler page (bpmn-js): edit names, lanes and conditions; save, validate, publish."""
    pm = get_object_or_404(ProcessMap.objects.visible_to(request.user).select_related("item", "division", "document"),
                           pk=pk)
    writable = ProcessMap.objects.writable_by(request.user).filter(pk=pk).exists() and \
        has_role(request.user, services.MAP_WRITERS)
    versions = ProcessMap.objects.visible_to(request.user).filter(item=pm.item, division=pm.division).order_by("-version")
    # A town editor looking at the county's map may save it as the town's own version (本镇街版本).
    own_town = request.user.division_id if request.user.division_id and code_level(request.user.division_id) == "town" \
        and pm.division_id != request.user.division_id and has_role(request.user, services.MAP_WRITERS) else ""
    return render(request, "flows/modeler.html", {"pm": pm, "writable": writable, "versions": versions,
                                                  "lanes": sorted(selectors.lane_mappings()), "own_town": own_town})


@login_required
def item_map(request, code: str):  # noqa: ANN001, ANN201
    """A catalog item's process maps: the one in force for your town (or county), and start a case."""
    user = request.user
    item = get_object_or_404(Item.objects.visible_to(user), code=code)
    town = user.division_id if user.division_id and code_level(user.division_id) == "town" else None
    if request.method == "POST" and town:
        form = CaseStartForm(request.POST)
        try:
            if not form.is_valid():
                raise PlatformError(first_error(form))
            case = services.case_start(user=user, item=item, division_code=town, title=form.cleaned_data["title"],
                                       applicant=form.cleaned_data["applicant"],
                                       idempotency_key=form.cleaned_data["idempotency_key"] or None)
        except PlatformError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(reverse("flows:item", args=[code]))
        return HttpResponseRedirect(reverse("flows:case", args=[case.pk]))
    in_force = None
    if town:
        in_force = selectors.map_in_force(item.pk, town)
    elif user.division_id and code_level(user.division_id) == "county":
        in_force = ProcessMap.objects.filter(item=item, division_id=user.division_id, status=MapStatus.PUBLISHED).first()
    # the start form only for those who may start a case here (a leader or auditor only reads)
    can_start = bool(town and in_force and has_role(user, services.CASE_STARTERS))
    return render(request, "flows/item.html", {"item": item, "in_force": in_force, "town": town, "can_start": can_start,
                                               "maps": selectors.maps_for_item(user, item)[:50]})


@login_required
def cases(request):  # noqa: ANN001, ANN201
    qs = Case.objects.visible_to(request.user).select_related("item", "division").order_by("-started_at", "-id")
    fs = CaseFilterSet(request.GET, queryset=qs, request=request)
    try:
        rows = _page(request, fs.qs)
    except PlatformError as exc:
        messages.error(request, exc.message)
        rows = _page(request, qs.none())
    if request.GET.get("format") == "xlsx":
        return _cases_xlsx(fs.qs if fs.is_valid() else qs.none())
    return render(request, "flows/cases.html", {"rows": rows, "filters": request.GET})


def _cases_xlsx(qs):  # noqa: ANN001, ANN202
    """The filtered case list as an Excel download (at most 50,000 rows, streamed through
    `core.reports.xlsx`: times in Asia/Shanghai as on the case pages, a title row naming the area
    the rows cover — the common ancestor of their divisions — and the export time)."""
    from django.db.models import Max, Min

    from core.reports import xlsx
    from core.scoping import common_division_code
    from divisions.models import Division

    bounds = qs.aggregate(lo=Min("division_id"), hi=Max("division_id"))
    area_code = common_division_code([bounds["lo"], bounds["hi"]]) if bounds["lo"] else None
    area = Division.objects.filter(code=area_code).values_list("name", flat=True).first() or ""
    rows = ([c.number, c.title, c.item.code, c.item.name, c.division.name, f"v{c.process_map.version}",
             c.get_state_display(), c.current_step, c.due_at, c.overdue, c.started_at, c.completed_at]
            for c in qs.select_related("item", "division", "process_map")[:50000].iterator(chunk_size=2000))
    header = ["办件编号", "标题", "事项编码", "事项名称", "镇街", "流程图版本", "状态", "当前环节", "当前环节期限", "是否超期",
              "发起时间", "办结时间"]
    return xlsx.response("办件列表.xlsx", [xlsx.Sheet(name="办件", header=header, rows=rows)], title="办件列表",
                         area=area, stream=True)


def _form_field(f: flow_inputs.Field) -> dict:
    """A gateway input as the case page renders it: choices carry their JSON value."""
    return {"name": f.name, "kind": f.kind, "label": f.label,
            "choices": [(json.dumps(v, ensure_ascii=False), lab) for v, lab in f.choices]}


def _when(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


@login_required
def case_detail(request, pk: int):  # noqa: ANN001, ANN201
    """A case: its map with the current step marked, the step form (typed gateway inputs with the
    map's labels, nothing preselected) and the history (inputs as label：value, local times)."""
    case = get_object_or_404(Case.objects.visible_to(request.user).select_related("item", "division",
                                                                                  "process_map__document"), pk=pk)
    comp = engine.compiled(case.process_map.document.sha256, loader=lambda: case.process_map.document.xml_bytes)
    ready = [{**r, "you_may_act": selectors.user_may_act(request.user, r["keys"], division_code=case.division_id),
              "due": _when(r.get("due_at")),
              "inputs": [_form_field(f) for f in flow_inputs.fields(comp.analysis, r["spec"])]}
             for r in case.ready_tasks]
    steps = list(case.steps.prefetch_related("attachments").order_by("seq"))
    for step in steps:
        step.shown_inputs = flow_inputs.describe(comp.analysis, step.task_spec, step.inputs)
    done = [step.task_spec for step in steps]
    return render(request, "flows/case.html", {
        "case": case, "ready": ready, "steps": steps,
        "highlight": json.dumps({"current": [r["spec"] for r in case.ready_tasks], "done": done}),
    })


