"""Pages: grid list (import/export, team gaps), grid detail, map, patrol (phone), rhythm, reports."""
from __future__ import annotations

import datetime as dt
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.roles import Role, has_role
from core.scoping import code_prefix, scope_for
from divisions.models import Division
from grids import selectors, services
from grids.choices import FindingCategory, PatrolStatus
from grids.filtersets import GridFilterSet
from grids.forms import GridImportConfirmForm, GridImportForm
from grids.models import Finding, GridReport, GridVersion, Patrol

GRID_MANAGERS = (Role.TOWN_COMMAND, Role.COUNTY_COMMAND, Role.CITY_COMMAND)


@login_required
def grid_list(request):  # noqa: ANN001, ANN201
    user = request.user
    filterset = GridFilterSet(request.GET, queryset=selectors.grids_for(user))
    qs = filterset.qs if filterset.is_valid() else selectors.grids_for(user).none()
    page = Paginator(qs.order_by("code"), 50).get_page(request.GET.get("page"))
    division = request.GET.get("division") or getattr(user, "division_id", None) or ""
    gaps = selectors.team_gaps(user, request.GET.get("division") or None)
    context = {"filter": filterset, "page": page, "gaps": gaps, "division": division,
               "can_import": has_role(user, GRID_MANAGERS), "query": request.GET.urlencode()}
    return render(request, "grids/list.html", context)


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


PHOTO_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp",
               ".heic": "image/heic"}


@login_required
def finding_photo(request, pk: int):  # noqa: ANN001, ANN201
    """A finding's photo, for whoever may see the finding (its patrol's division subtree); 404 for
    anyone else and for a finding without a photo. Photos are never served from a public media URL."""
    finding = get_object_or_404(Finding.objects.visible_to(request.user).exclude(photo=""), pk=pk)
    suffix = ("." + finding.photo.rsplit(".", 1)[-1].lower()) if "." in finding.photo else ""
    try:
        handle = default_storage.open(finding.photo, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=PHOTO_TYPES.get(suffix, "application/octet-stream"))
    response["Content-Disposition"] = f'inline; filename="finding-{finding.pk}{suffix}"'
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def report_download(request, pk: int, fmt: str):  # noqa: ANN001, ANN201
    from grids.api.views import report_file_response

    return report_file_response(request.user, pk, fmt)
