"""Assessment pages: leader dashboard, results with drill-down, a town's page beside the county
median, reform compliance (town page and county / city table), reports, runs with progress,
configuration, stationed bodies. Thin: every figure comes from `selectors` / `compliance`."""
from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from assess import compliance, dashboards, facts, selectors, services
from assess.choices import PeriodKind, ReportKind, SubjectType
from assess.models import (
    AppointmentSuggestion,
    AssessReport,
    DualScore,
    IndicatorVersion,
    Result,
    Run,
    SchemeVersion,
    StationedDispatch,
)
from assess.periods import Period, period_of
from core.api.fields import parse_day
from core.errors import PlatformError
from core.filters import division_param
from core.roles import Role, has_role
from core.scoping import code_level, scope_for
from divisions.models import Division

READERS = (Role.LEADER, Role.CITY_COMMAND, Role.COUNTY_COMMAND, Role.TOWN_COMMAND, Role.REFORM_OFFICE,
           Role.AUDITOR, Role.DEPT_HANDLER)
# Who generates reports and starts computations (leaders and auditors read: no form for them).
WRITERS = (Role.CITY_COMMAND, Role.COUNTY_COMMAND, Role.TOWN_COMMAND, Role.REFORM_OFFICE)


def _may_write(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False) or has_role(user, *WRITERS))


def _visible_division(request: HttpRequest, value: str | None) -> Division:
    """The division asked for (code or name), which must lie in the user's subtree (else 404)."""
    user: Any = request.user
    try:
        code = division_param(value) if value else (user.division_id or "")
    except PlatformError as exc:
        raise Http404(exc.message) from exc
    if not code or not scope_for(user).covers(code):
        raise Http404("区划不存在或不在您的管辖范围内")
    return get_object_or_404(Division, code=code)


def _period(request: HttpRequest, division: Division) -> Period:
    """The period asked for (`period_kind`, `day`), else the latest with stored scores in the division."""
    kind = request.GET.get("period_kind") or PeriodKind.MONTH
    if kind not in PeriodKind.values:
        kind = PeriodKind.MONTH
    day = parse_day(request.GET.get("day"), "day")
    return period_of(kind, day) if day else dashboards.default_period(request.user, division, kind)


def _pct(value: Any) -> str:
    return "—" if value is None else f"{float(value) * 100:.1f}%"


def _context(request: HttpRequest, division: Division, period: Period, **extra: Any) -> dict[str, Any]:
    return {"division": division, "period": period, "kinds": PeriodKind.choices, "prev": period.previous(),
            "next": period.next(), **extra}


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    division = _visible_division(request, request.GET.get("division"))
    period = _period(request, division)
    return render(request, "assess/dashboard.html", _context(
        request, division, period, data=dashboards.data(request.user, division, period)))


@login_required
def results(request: HttpRequest) -> HttpResponse:
    division = _visible_division(request, request.GET.get("division"))
    period = _period(request, division)
    subject_type = request.GET.get("subject_type") or SubjectType.TOWN
    rows = selectors.results_for(request.user, period=period, subject_type=subject_type, division=division.code)
    scores = {s.subject_key: s for s in selectors.scores_for(request.user, period=period, subject_type=subject_type,
                                                             division=division.code)}
    table = [{"r": r, "pct": _pct(r.value), "score": scores.get(r.subject_key)} for r in rows]
    if request.GET.get("format") == "xlsx":
        from core.reports import xlsx

        data = ([r.subject_name, r.indicator.name, r.numerator, r.denominator, _pct(r.value), f"v{r.indicator.version}",
                 r.revision, f"{scores[r.subject_key].score} {scores[r.subject_key].grade}"
                 if r.subject_key in scores else ""] for r in rows)
        return xlsx.response("考核结果.xlsx", [xlsx.Sheet(name="考核结果", header=[
            "对象", "指标", "分子", "分母", "数值", "定义版本", "版次", "得分/等次"], rows=data)],
            title=f"考核结果 {period.label}", area=division.name, stream=True)
    return render(request, "assess/results.html", _context(
        request, division, period, rows=table, subject_type=subject_type,
        subject_types=SubjectType.choices))


@login_required
def drill(request: HttpRequest, pk: int, part: str) -> HttpResponse:
    result = get_object_or_404(Result.objects.visible_to(request.user).select_related("indicator"), pk=pk)
    if part not in ("numerator", "denominator"):
        raise Http404
    revisions = Result.objects.visible_to(request.user).filter(
        subject_type=result.subject_type, subject_key=result.subject_key, period_kind=result.period_kind,
        period_start=result.period_start, code=result.code).order_by("revision")
    return render(request, "assess/drill.html", {"d": selectors.drill(result, part), "result": result,
                                                 "revisions": revisions})


@login_required
def town(request: HttpRequest, code: str) -> HttpResponse:
    division = _visible_division(request, code)
    if code_level(division.code) != "town":
        raise Http404
    period = _period(request, division)
    rows = selectors.median_compare(request.user, town=division.code, period=period)
    score = next(iter(selectors.scores_for(request.user, period=period, subject_type=SubjectType.TOWN,
                                           division=division.code)), None)
    return render(request, "assess/town.html", _context(request, division, period, rows=rows, score=score))


@login_required
def compliance_town(request: HttpRequest, code: str) -> HttpResponse:
    division = _visible_division(request, code)
    if code_level(division.code) != "town":
        raise Http404
    return render(request, "assess/compliance_town.html", {"division": division,
                                                           "checks": compliance.town_checks(division)})


@login_required
def compliance_table(request: HttpRequest) -> HttpResponse:
    division = _visible_division(request, request.GET.get("division"))
    towns = list(Division.objects.filter(level="town", code__startswith=division.code[:9 if code_level(
        division.code) == "town" else 6 if code_level(division.code) == "county" else 4]).order_by("code")[:200])
    rows = compliance.table(towns)
    names = [c.name for c in rows[0][1]] if rows else []
    return render(request, "assess/compliance_table.html", {"division": division, "rows": rows, "names": names})


@login_required
@require_http_methods(["GET", "POST"])
def report_list(request: HttpRequest) -> HttpResponse:
    """The division's reports; 立即生成 queues the build to the worker and opens its progress page."""
    division = _visible_division(request, request.GET.get("division") or request.POST.get("division"))
    error = ""
    if request.method == "POST":
        if not _may_write(request.user):
            raise Http404
        kind = request.POST.get("kind") or ReportKind.MONTHLY
        try:
            day = parse_day(request.POST.get("day"), "day") or dashboards.default_day()
            report = services.report_request(user=request.user, kind=kind, division=division, day=day)
            return redirect("assess:report", pk=report.pk)
        except PlatformError as exc:
            error = exc.message
    rows = AssessReport.objects.visible_to(request.user).filter(division__code__startswith=division.code[:6])[:200]
    return render(request, "assess/reports.html", {"division": division, "rows": rows, "error": error,
                                                   "kinds": ReportKind.choices, "may_write": _may_write(request.user)})


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One report's state: 生成中 (polled with htmx every 2 s), then the download links."""
    report = get_object_or_404(AssessReport.objects.visible_to(request.user), pk=pk)
    template = "assess/_report.html" if request.headers.get("HX-Request") else "assess/report.html"
    return render(request, template, {"report": report})


@login_required
@require_http_methods(["GET", "POST"])
def runs(request: HttpRequest) -> HttpResponse:
    division = _visible_division(request, request.GET.get("division") or request.POST.get("division"))
    error = ""
    if request.method == "POST":
        if not _may_write(request.user):
            raise Http404
        try:
            kind = request.POST.get("period_kind") or PeriodKind.MONTH
            day = parse_day(request.POST.get("day"), "day")
            if day is None:
                raise PlatformError("请选择日期")
            run = services.run_request(user=request.user, division=division, period=period_of(kind, day))
            return redirect("assess:run", pk=run.pk)
        except PlatformError as exc:
            error = exc.message
    rows = Run.objects.visible_to(request.user).select_related("division")[:50]
    return render(request, "assess/runs.html", {"division": division, "rows": rows, "error": error,
                                                "kinds": PeriodKind.choices, "may_write": _may_write(request.user)})


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(Run.objects.visible_to(request.user).select_related("division"), pk=pk)
    template = "assess/_run.html" if request.headers.get("HX-Request") else "assess/run.html"
    return render(request, template, {"run": run})


@login_required
def config(request: HttpRequest) -> HttpResponse:
    indicators = list(IndicatorVersion.objects.visible_to(request.user).select_related("division"))
    names = {v.code: v.name for v in indicators}  # weights name indicators by code; users read the name
    labels = {code: f.label for code, f in facts.FACTS.items()}
    return render(request, "assess/config.html", {
        "indicators": [{"v": v, "numerator": labels.get(v.numerator, v.numerator),
                        "denominator": labels.get(v.denominator, v.denominator)} for v in indicators],
        "schemes": [{"s": s, "weights": [(names.get(code, code), weight) for code, weight in s.weights.items()]}
                    for s in SchemeVersion.objects.visible_to(request.user).select_related("division")],
        "facts": sorted(facts.FACTS.values(), key=lambda f: f.code)})


@login_required
def stationed(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    suggestions = list(AppointmentSuggestion.objects.visible_to(user).select_related("unit", "department"))
    return render(request, "assess/stationed.html", {
        "dispatches": StationedDispatch.objects.visible_to(user).select_related("unit")[:200],
        "suggestions": suggestions,
        "scores": DualScore.objects.visible_to(user).select_related("unit")[:200],
        "annual": [(d.unit, selectors.dual_annual(d.unit, d.year, d.staff)) for d in
                   DualScore.objects.visible_to(user).filter(assessor="town").select_related("unit")[:200]]})
