"""A role's home (today's work, each figure a link to the list behind it), the one to-do list
(我的待办) of every kind of waiting work, and 催办 (urging) by the command centres.

Both read the registries of `core.worklist` (filled by the apps' `ready()`); this module never
names an app's models."""
from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core import worklist
from core.errors import NotAllowed, NotFound, PlatformError
from core.roles import COMMAND_ROLES, Role, has_role
from notify import selectors as notify_selectors
from notify import services as notify_services
from web.forms import TodoFilterForm, UrgeForm

ROLE_HOME_HINTS = {
    Role.CITY_COMMAND: "全市指挥调度：统筹管大事",
    Role.COUNTY_COMMAND: "县级指挥中心：统抓管难事",
    Role.TOWN_COMMAND: "镇街指挥调度中心：统办管琐事",
    Role.DEPT_HANDLER: "部门处置：处理交办与上报事项",
    Role.GRID_WORKER: "网格员：巡查、上报与核查",
    Role.REFORM_OFFICE: "编办：清单、准入与权力调整",
    Role.LEADER: "领导驾驶舱：全局态势与考核",
    Role.AUDITOR: "审计：查看变更记录",
}
TODO_GROUP = "我的待办"


def todo_figures(user: Any) -> list[worklist.Figure]:
    """One figure per kind of waiting work the user has (one COUNT each), linking to the to-do
    list filtered to that kind, and the total."""
    base = reverse("web:todo")
    out = []
    total = 0
    for source in worklist.sources():
        n = source.mine(user).count()
        total += n
        if n or (source.roles and has_role(user, source.roles)):
            out.append(worklist.Figure(f"todo.{source.kind}", source.label, n, f"{base}?kind={source.kind}",
                                       TODO_GROUP))
    return [worklist.Figure("todo", "全部待办", total, base, TODO_GROUP), *out]


def home_figures(user: Any) -> list[worklist.Figure]:
    return [*todo_figures(user), *worklist.figures_for(user)]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """工作台: the user's waiting work by kind, then each app's figures for the user's roles."""
    user = request.user
    groups: dict[str, list[worklist.Figure]] = {}
    for figure in home_figures(user):
        groups.setdefault(figure.group or "其他", []).append(figure)
    roles = getattr(user, "roles", None) or ()
    context = {"groups": groups, "hints": [ROLE_HOME_HINTS[Role(r)] for r in roles if r in ROLE_HOME_HINTS]}
    return render(request, "web/home.html", context)


class _Merged:
    """The merged to-do as a sequence for Django's Paginator: `count()` and slices, each slice
    one `worklist.listing` call (one COUNT and one LIMIT query per source)."""

    def __init__(self, user: Any, kinds: list[str] | None, subtree: bool) -> None:
        self.user, self.kinds, self.subtree = user, kinds, subtree
        self._first = worklist.listing(user, kinds=kinds, limit=0, subtree=subtree)

    @property
    def counts(self) -> dict[str, int]:
        return self._first.counts

    @property
    def labels(self) -> dict[str, str]:
        return self._first.labels

    def count(self) -> int:
        return self._first.total

    def __len__(self) -> int:
        return self._first.total

    def __getitem__(self, key: slice) -> list[worklist.WorkItem]:
        start, stop = key.start or 0, key.stop if key.stop is not None else self._first.total
        return worklist.listing(self.user, kinds=self.kinds, offset=start, limit=max(stop - start, 0),
                                subtree=self.subtree, counts=self._first.counts).items


@login_required
def todo(request: HttpRequest) -> HttpResponse:
    """我的待办: case steps, admission and procedure reviews, findings, events and town calls that
    wait for the user, overdue first, each with its reminders (催办). `?view=subtree`: for a
    command centre, what waits for anyone in its subtree, each with a 催办 form."""
    user = request.user
    may_urge = has_role(user, COMMAND_ROLES)
    form = TodoFilterForm(request.GET, kinds=[(s.kind, s.label) for s in worklist.sources()])
    if not form.is_valid():
        return render(request, "web/todo.html", {"form": form, "rows": [], "errors": form.errors, "page": None},
                      status=400)
    kind, subtree = form.cleaned_data["kind"], form.cleaned_data["view"] == "subtree"
    if subtree and not may_urge:
        raise PermissionDenied("只有指挥中心可以查看辖区待办并催办")
    merged = _Merged(user, [kind] if kind else None, subtree)
    page: Page[worklist.WorkItem] = Paginator(merged, 50).get_page(request.GET.get("page"))  # type: ignore[arg-type]
    items = list(page.object_list)
    reminders = notify_selectors.reminders_for(user, [i.key for i in items])
    rows = [{"item": i, "label": merged.labels.get(i.kind, i.kind), "reminders": reminders.get(i.key, [])}
            for i in items]
    tabs = worklist.listing(user, limit=0, subtree=subtree) if kind else merged._first
    return render(request, "web/todo.html", {
        "form": form, "page": page, "rows": rows, "kind": kind, "subtree": subtree, "may_urge": may_urge,
        "tabs": [(k, tabs.labels[k], n) for k, n in tabs.counts.items()],
        "total": tabs.total, "urge_form": UrgeForm()})


@login_required
@require_POST
def todo_urge(request: HttpRequest) -> HttpResponse:
    """催办 one item of the subtree's waiting work (command centres only; another subtree's item,
    or one no longer waiting, is a 404)."""
    form = UrgeForm(request.POST)
    back = f"{reverse('web:todo')}?view=subtree"
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
        return HttpResponseRedirect(back)
    d = form.cleaned_data
    try:
        reminder = notify_services.reminder_send(user=request.user, kind=d["kind"], ref=d["ref"], note=d["note"])
    except NotFound as exc:
        raise Http404(exc.message) from None
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    except PlatformError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(back)
    messages.success(request, f"已催办：{reminder.title}" + (f"（{reminder.recipients}）" if reminder.recipients else ""))
    return HttpResponseRedirect(back)
