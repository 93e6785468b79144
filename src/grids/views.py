"""Pages: grid list (import/export, team gaps), findings, grid detail, map, patrol (phone), rhythm, reports."""
from __future__ import annotations

import datetime as dt
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import PlatformError
from core.roles import Role, has_role
from core.scoping import code_prefix, scope_for
from divisions.models import Division
from grids import selectors, services
from grids.choices import FindingCategory, PatrolStatus
from grids.filtersets import FindingFilterSet, GridFilterSet
from grids.forms import GridImportConfirmForm, GridImportForm
from grids.models import Finding, GridReport, GridVersion, Patrol

GRID_MANAGERS = (Role.TOWN_COMMAND, Role.COUNTY_COMMAND, Role.CITY_COMMAND)


@login_required
def grid_list(request):  # noqa: ANN001, ANN201
    user = request.user
    filterset = GridFilterSet(request.GET, queryset=selectors.grids_for(user).order_by("code"), request=request)
    try:
        qs = filterset.qs if filterset.is_valid() else selectors.grids_for(user).none()
    except PlatformError as exc:  # a division name that names nothing
        messages.error(request, exc.message)
        qs = selectors.grids_for(user).none()
    if request.GET.get("format") == "xlsx":
        return _grids_xlsx(qs)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    division = request.GET.get("division") or getattr(user, "division_id", None) or ""
    gaps = selectors.team_gaps(user, request.GET.get("division") or None)
    context = {"filter": filterset, "page": page, "gaps": gaps, "division": division,
               "can_import": has_role(user, GRID_MANAGERS), "query": request.GET.urlencode()}
    return render(request, "grids/list.html", context)


def _grids_xlsx(qs):  # noqa: ANN001, ANN202
    """The filtered grid list as Excel (`core.reports.xlsx`, streamed; at most 50,000 rows)."""
    from core.reports import xlsx

    rows = ([g.code, g.name, g.get_type_display(), g.get_category_display() if g.category else "",
             g.village.name if g.village_id else "", g.division.name, g.get_status_display(), g.version]
            for g in qs.select_related("village", "division")[:50000].iterator(chunk_size=2000))
    header = ["网格编码", "名称", "类型", "专属类别", "所在村（社区）", "所属区划", "状态", "版本"]
    return xlsx.response("网格列表.xlsx", [xlsx.Sheet(name="网格", header=header, rows=rows)], title="网格列表",
                         stream=True)


@login_required
def findings(request):  # noqa: ANN001, ANN201
    """巡查发现: every finding the user may see, filtered (status, category, division, found dates,
    patrol, own), sortable, exported to Excel."""
    user = request.user
    base = (Finding.objects.visible_to(user).select_related("patrol__worker", "patrol__division", "grid")
            .order_by("-found_at", "-id"))
    fs = FindingFilterSet(request.GET, queryset=base, request=request)
    errors: list[str] = []
    try:
        qs = fs.qs if fs.is_valid() else base.none()
    except PlatformError as exc:
        errors.append(exc.message)
        qs = base.none()
    if not fs.is_valid():
        errors += [f"{fs.form.fields[k].label or k}：{'；'.join(v)}" if k in fs.form.fields else "；".join(v)
                   for k, v in fs.form.errors.items()]
    if request.GET.get("format") == "xlsx" and not errors:
        return _findings_xlsx(qs)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "grids/findings.html", {"page": page, "filter": fs, "errors": errors,
                                                   "query": request.GET.urlencode()},
                  status=400 if errors else 200)


def _findings_xlsx(qs):  # noqa: ANN001, ANN202
    from core.reports import xlsx

    rows = ([f.found_at, f.get_category_display(), f.description, f.get_status_display(),
             f.grid.code if f.grid_id else "", f.patrol.division.name, f.patrol.worker.name, f.lng, f.lat]
            for f in qs[:50000].iterator(chunk_size=2000))
    header = ["发现时间", "类别", "描述", "状态", "网格", "区划", "巡查人", "经度", "纬度"]
    return xlsx.response("巡查发现.xlsx", [xlsx.Sheet(name="巡查发现", header=header, rows=rows)], title="巡查发现",
                         stream=True)


@login_required
@require_POST
def grid_import(request):  # noqa: ANN001, ANN201
    if not has_role(request.user, GRID_MANAGERS):
        raise Http404
    form = GridImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, str(next(iter(form.errors.values()))[0]))
        return redirect("grids:list")
    data, crs = form.cleaned_data["file"], form.cleaned_data["crs"] or None
    dry_run = not form.cleaned_data["confirm"]
    result = services.grids_import(collection=data, scope=scope_for(request.user), dry_run=dry_run, crs=crs)
    return render(request, "grids/import_result.html", {"result": result, "dry_run": dry_run, "crs": crs or "",
                                                        "payload": json.dumps(data, ensure_ascii=False)})


@login_required
@require_POST
def grid_import_confirm(request):  # noqa: ANN001, ANN201
    if not has_role(request.user, GRID_MANAGERS):
        raise Http404
    form = GridImportConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("导入内容已失效，请重新上传"))
        return redirect("grids:list")
    result = services.grids_import(collection=form.cleaned_data["payload"], scope=scope_for(request.user),
                                   crs=form.cleaned_data["crs"] or None)
    if result.problems:
        return render(request, "grids/import_result.html", {"result": result, "dry_run": False, "payload": ""})
    messages.success(request, f"导入完成：新增 {len(result.created)}，修改 {len(result.updated)}，未变 {len(result.unchanged)}")
    return redirect("grids:list")


@login_required
def grid_detail(request, pk: int):  # noqa: ANN001, ANN201
    grid = get_object_or_404(selectors.grids_for(request.user), pk=pk)
    context = {"grid": grid, "team": selectors.team(grid),
               "versions": GridVersion.objects.visible_to(request.user).filter(grid=grid)[:20],
               "patrols": Patrol.objects.visible_to(request.user).filter(grid=grid).select_related("worker")[:20],
               "geometry": grid.geometry}
    return render(request, "grids/detail.html", context)


@login_required
def grid_map(request, code: str | None = None):  # noqa: ANN001, ANN201
    user = request.user
    if code is None:
        code = getattr(user, "division_id", None) or "321000000000"
        if user.is_superuser and not getattr(user, "division_id", None):
            code = Division.objects.filter(parent__isnull=True).values_list("code", flat=True).first() or code
    if not scope_for(user).covers(code):
        raise Http404
    division = get_object_or_404(Division, code=code)
    children = Division.objects.visible_to(user).filter(parent=division).order_by("code")
    return render(request, "grids/map.html", {"division": division, "children": children})


@login_required
def patrol_page(request):  # noqa: ANN001, ANN201
    worker = None
    try:
        worker = services.worker_for_user(request.user)
    except Exception:  # noqa: BLE001 - the page explains it
        worker = None
    recent = Patrol.objects.visible_to(request.user).filter(worker=worker)[:10] if worker else []
    active = Patrol.objects.filter(worker=worker, status=PatrolStatus.ACTIVE).first() if worker else None
    grids = selectors.worker_grids_geojson(request.user, worker) if worker else None
    return render(request, "grids/patrol.html", {"worker": worker, "recent": recent, "active": active,
                                                 "categories": FindingCategory.choices, "my_grids": grids})


@login_required
def rhythm(request):  # noqa: ANN001, ANN201
    """日巡查、周分析、月汇总 for one division (default: the user's own)."""
    user = request.user
    code = request.GET.get("division") or getattr(user, "division_id", None)
    if not code or not scope_for(user).covers(code):
        raise Http404
    division = get_object_or_404(Division, code=code)
    today = timezone.localdate()
    try:
        day = dt.date.fromisoformat(request.GET.get("date") or today.isoformat())
    except ValueError:
        day = today
    coverage = selectors.coverage_rows(user, code, day) if division.level in ("town", "village") else []
    periods = selectors.rhythm(user, code, day)
    reports = GridReport.objects.visible_to(user).filter(division__code__startswith=code_prefix(code))[:20]
    return render(request, "grids/rhythm.html", {"division": division, "day": day, "coverage": coverage,
                                                 "week": periods["week"], "month": periods["month"],
                                                 "reports": reports,
                                                 "children": Division.objects.visible_to(user).filter(parent=division)})
