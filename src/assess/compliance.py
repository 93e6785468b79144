"""Reform compliance (改革落实, DESIGN.md §1): one check list per town, each check linking to the
rows that fail it.

Checks: every post has an A and a B holder (AB岗); ≥ 30 % of the leadership team served as
village/community secretary; no task handed down without an approved admission (交办事项准入);
every routine item of the town's lists has a published process map in force (按图行权); every
grid has a head and at least one other worker (一格一长多员); every matter has a main
responsibility in the town (no routing gap); the town-call (乡呼县应) answer rate.

Reads only; the caller scopes the town (pages and API check `visible_to` first).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from divisions.models import Division


def _post_url(post: Any) -> str:
    """The post's row on its town's page (AB岗 table), which every reader of the town may open —
    not the admin, which command and leader users cannot."""
    return reverse("web:division", args=[post.division_id]) + f"#post-{post.pk}"


@dataclass
class Failure:
    label: str
    detail: str
    url: str


@dataclass
class Check:
    code: str
    name: str
    ok: bool | None          # None: not measurable yet (no data)
    summary: str
    failures: list[Failure] = field(default_factory=list)


def _admin(model: str, pk: Any) -> str:
    return reverse(f"admin:{model}_change", args=[pk])


def check_posts(town: Division) -> Check:
    from org.models import Post

    rows = list(Post.objects.filter(division__code__startswith=town.code[:9]).filter(
        Q(holder_a__isnull=True) | Q(holder_b__isnull=True)).select_related("unit").order_by("unit__name", "name"))
    total = Post.objects.filter(division__code__startswith=town.code[:9]).count()
    fails = [Failure(str(p), "缺A岗" if p.holder_a_id is None and p.holder_b_id is not None else
                     "缺B岗" if p.holder_b_id is None and p.holder_a_id is not None else "缺A岗和B岗",
                     _post_url(p)) for p in rows]
    return Check("ab_posts", "每个岗位配齐A岗和B岗", not fails,
                 f"{total} 个岗位，{len(fails)} 个未配齐", fails)


def check_leadership(town: Division) -> Check:
    from org.selectors import leadership_check

    c = leadership_check(town)
    summary = f"领导班子 {c.leaders} 人，曾任村（社区）书记 {c.with_secretary_experience} 人（{c.share:.0%}，要求≥30%）"
    fails = [] if c.ok else [Failure("领导班子", summary, reverse("web:leadership"))]
    return Check("leadership", "领导班子中曾任村（社区）书记的比例不低于30%", c.ok, summary, fails)


def check_admission(town: Division, on: dt.date) -> Check:
    from catalog.models import Assignment
    from catalog.services import admission_require
    from core.errors import PlatformError

    fails = []
    rows = list(Assignment.objects.filter(division_id=town.code).select_related("admission", "department"))
    for a in rows:
        try:
            admission_require(town=town, admission=a.admission, task=a.title, on=a.created_at.date())
        except PlatformError as exc:
            fails.append(Failure(a.title, exc.message, reverse("catalog:admission", args=[a.admission_id])))
    return Check("admission", "交办任务均经准入", not fails, f"交办任务 {len(rows)} 项，未经有效准入 {len(fails)} 项", fails)


def check_process_maps(town: Division, on: dt.date) -> Check:
    from catalog.models import ItemList
    from catalog.selectors import list_state
    from flows.models import ProcessMap

    items: dict[int, Any] = {}
    for item_list in ItemList.objects.filter(division_id=town.code).select_related("base"):
        for entry in list_state(item_list, on).entries:
            if entry.item.is_routine:
                items[entry.item.pk] = entry.item
    mapped = set(ProcessMap.objects.filter(item_id__in=list(items), status="published",
                                           division_id__in=[town.code, town.code[:6] + "000000"])
                 .values_list("item_id", flat=True))
    fails = [Failure(f"{i.code} {i.name}", "无已发布的流程图", reverse("flows:item", args=[i.code]))
             for pk, i in sorted(items.items(), key=lambda kv: kv[1].code) if pk not in mapped]
    return Check("process_maps", "每个常办事项都有已发布的流程图（按图行权）", not fails,
                 f"常办事项 {len(items)} 项，缺流程图 {len(fails)} 项", fails)


def check_grid_teams(town: Division) -> Check:
    from grids.models import Grid

    grids = list(Grid.objects.filter(division__code__startswith=town.code[:9], status="active").annotate(
        heads=Count("memberships", filter=Q(memberships__role="head")),
        others=Count("memberships", filter=~Q(memberships__role="head"))).defer("geometry").order_by("code"))
    fails = []
    for g in grids:
        missing = [label for label, n in (("网格长", g.heads), ("网格员", g.others)) if not n]
        if missing:
            fails.append(Failure(f"{g.code} {g.name}", "缺" + "、".join(missing), reverse("grids:detail", args=[g.pk])))
    return Check("grid_teams", "每个网格有网格长和至少一名网格员（一格一长多员）", not fails,
                 f"网格 {len(grids)} 个，未配齐 {len(fails)} 个", fails)


def check_routing_gaps(town: Division, on: dt.date) -> Check:
    from catalog.selectors import gaps

    rows = gaps(Division.objects.filter(code=town.code), on=on)
    fails = [Failure(f"{g.matter} {g.matter_name}", g.reason,
                     reverse("catalog:responsibility", args=[g.matter, g.town])) for g in rows]
    return Check("routing_gaps", "每个职责事项在本镇有主体责任单位（无分拨缺口）", not fails,
                 f"缺主体责任 {len(fails)} 项", fails)


def check_town_calls(town: Division, on: dt.date) -> Check:
    """乡呼县应: answered on time / called, over the 90 days up to `on` (events part 2's rows)."""
    from django.apps import apps

    label = "events.CallDepartment"  # events part 2 (issue 9); absent before it lands
    try:
        CallDepartment = apps.get_model(label)
    except LookupError:
        return Check("town_calls", "乡呼县应按时答复率", None, "乡呼县应记录尚未启用")
    tz = timezone.get_default_timezone()
    until = dt.datetime.combine(on + dt.timedelta(days=1), dt.time(), tz)
    rows = CallDepartment.objects.filter(call__event__town_id=town.code, call__at__gte=until - dt.timedelta(days=91),
                                         call__at__lt=until)
    total = rows.count()
    late = list(rows.exclude(outcome="answered").select_related("call", "unit").order_by("call__at")[:200])
    answered = total - rows.exclude(outcome="answered").count()
    rate = answered / total if total else None
    fails = [Failure(f"{c.unit.name}", c.get_outcome_display(), reverse("events:detail", args=[c.call.event_id]))
             for c in late if c.outcome != "pending" or c.answer_due < until]
    summary = f"近90天呼叫 {total} 次，按时答复 {answered} 次" + (f"（{rate:.0%}）" if rate is not None else "")
    return Check("town_calls", "乡呼县应按时答复率", (not fails) if total else None, summary, fails)


def town_checks(town: Division, on: dt.date | None = None) -> list[Check]:
    on = on or timezone.localdate()
    return [check_posts(town), check_leadership(town), check_admission(town, on), check_process_maps(town, on),
            check_grid_teams(town), check_routing_gaps(town, on), check_town_calls(town, on)]


def table(towns: list[Division], on: dt.date | None = None) -> list[tuple[Division, list[Check]]]:
    """The county / city table: every town's checks."""
    return [(t, town_checks(t, on)) for t in towns]
