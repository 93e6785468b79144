"""Pages: thin views over selectors; every queryset goes through visible_to(user)."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from core import audit, audit_read, auditchain, workcal
from core.roles import has_role
from divisions import selectors as division_selectors
from divisions.choices import Level
from divisions.models import Division
from org import selectors as org_selectors
from org.models import Post, Staff, Unit
from web.forms import AuditFilterForm, DivisionTreeForm, LeadershipFilterForm


@login_required
def division_tree(request):  # noqa: ANN001, ANN201
    """The tree, opened level by level with htmx (children fetched on demand)."""
    user = request.user
    form = DivisionTreeForm(request.GET)
    if not form.is_valid():  # e.g. a NUL byte, which PostgreSQL refuses with an error
        errors = [e for errs in form.errors.values() for e in errs]
        return render(request, "web/divisions.html", {"nodes": [], "q": request.GET.get("q", ""), "errors": errors},
                      status=400)
    parent, q = form.cleaned_data["parent"], form.cleaned_data["q"].strip()
    visible = Division.objects.visible_to(user)
    if parent:
        nodes = visible.filter(parent_id=parent)
        return render(request, "web/_division_nodes.html", {"nodes": _with_child_counts(nodes)})
    if q:
        found = Paginator(visible.filter(name__icontains=q), 100).get_page(request.GET.get("page"))
        return render(request, "web/divisions.html", {"found": found, "q": q})
    roots = visible.filter(parent__isnull=True)
    return render(request, "web/divisions.html", {"nodes": _with_child_counts(roots)})


def _with_child_counts(nodes):  # noqa: ANN001, ANN202
    from django.db.models import Count

    return nodes.annotate(n_children=Count("children")).order_by("code")


@login_required
def division_detail(request, code: str):  # noqa: ANN001, ANN201
    user = request.user
    division = get_object_or_404(Division.objects.visible_to(user), code=code)
    context = {"division": division, "crumbs": division_selectors.breadcrumbs(division),
               "children": Division.objects.visible_to(user).filter(parent=division)}
    if division.level == Level.TOWN:
        context.update(_town_context(user, division))
    return render(request, "web/division_detail.html", context)


def _town_context(user, town):  # noqa: ANN001, ANN202
    units = Unit.objects.visible_to(user).filter(division=town).select_related("home_department")
    posts = Post.objects.visible_to(user).filter(division=town)
    coverage = org_selectors.post_coverage(posts)
    check = org_selectors.leadership_check(town)
    leaders = Staff.objects.visible_to(user).filter(division=town, is_leader=True)
    phone_roles = Staff._meta.get_field("phone").reveal_roles
    return {"units": units, "coverage": coverage, "check": check, "leaders": leaders,
            "can_reveal_phone": has_role(user, phone_roles),
            "missing": sum(1 for c in coverage if c.missing_holder),
            "acting_b": sum(1 for c in coverage if c.a_absent and c.acting is not None)}


@login_required
def leadership(request):  # noqa: ANN001, ANN201
    towns = Division.objects.visible_to(request.user)
    checks = org_selectors.leadership_checks(towns)
    form = LeadershipFilterForm(request.GET)
    failing = form.is_valid() and form.cleaned_data["failing"]
    if failing:
        checks = [c for c in checks if not c.ok]
    if request.GET.get("format") == "xlsx":
        from core.reports import xlsx

        rows = ([c.town_name, c.town_code, c.leaders, c.with_secretary_experience, c.share,
                 "达标" if c.ok else "未达标"] for c in checks)
        return xlsx.response("班子结构.xlsx", [xlsx.Sheet(name="班子结构", header=[
            "乡镇（街道）", "区划代码", "班子人数", "曾任村（社区）书记", "占比", "结论"], rows=rows)], title="乡镇（街道）领导班子结构")
    return render(request, "web/leadership.html", {"checks": checks, "failing": failing})


@login_required
def audit_log(request):  # noqa: ANN001, ANN201
    """审计日志: Chinese names, field-by-field changes in local time, filters and an Excel export."""
    if not has_role(request.user, audit.READER_ROLES):
        raise PermissionDenied("审计日志仅审计人员和指挥中心可以查看")
    form = AuditFilterForm(request.GET or None)
    qs = audit_read.audit_search(request.user, form.filters())
    if request.GET.get("export") == "xlsx" and (form.is_bound and form.is_valid() or not form.is_bound):
        return _audit_xlsx(request, qs)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    rows = [{"e": e, "at": audit_read.local_time(e.at), "model": audit_read.model_label(e.model),
             "source": audit_read.source_label(e.source), "action": audit_read.ACTIONS.get(e.action, e.action),
             "changes": audit_read.changes(e)} for e in page]
    return render(request, "web/audit.html", {"page": page, "rows": rows, "form": form,
                                              "query": request.GET.urlencode(), "chain": auditchain.status()})


AUDIT_EXPORT_LIMIT = 50_000


def _audit_xlsx(request, qs):  # noqa: ANN001, ANN202
    """The filtered rows as one streamed sheet (times local, text cells neutralised by the writer)."""
    from core.reports import xlsx

    def rows():  # noqa: ANN202
        for e in qs[:AUDIT_EXPORT_LIMIT].iterator(chunk_size=2000):
            detail = "；".join(f"{c.field}：{c.before} → {c.after}" for c in audit_read.changes(e))
            yield [e.at, e.actor_name, audit_read.source_label(e.source), audit_read.ACTIONS.get(e.action, e.action),
                   audit_read.model_label(e.model), e.object_id, e.object_repr, e.division_code, detail]

    header = ["时间", "操作人", "来源", "动作", "对象类型", "对象ID", "对象", "区划", "变更内容"]
    area = getattr(request.user.division, "name", "") if getattr(request.user, "division_id", None) else "全部"
    return xlsx.response("审计日志.xlsx", [xlsx.Sheet("审计日志", header, rows())], title="审计日志", area=area,
                         stream=True)


@login_required
def working_calendar(request):  # noqa: ANN001, ANN201
    """工作日历: the published holiday arrangements, provisional years and how limits are counted."""
    return render(request, "web/calendar.html", {
        "years": workcal.calendar_overview(),
        "rule": workcal.RULE_TEXT,
        "periods": workcal.working_periods(),
        "hours_per_day": workcal.hours_per_day(),
    })
