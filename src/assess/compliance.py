"""Reform compliance (改革落实, DESIGN.md §1): one check list per town, each check linking to the
rows that fail it.

Checks: every post has an A and a B holder (AB岗); ≥ 30 % of the leadership team served as
village/community secretary; no task handed down without an approved admission (交办事项准入);
every routine item of the town's lists has a published process map in force (按图行权); every
grid has a head and at least one other worker (一格一长多员); every matter has a main
responsibility in the town (no routing gap); the town-call (乡呼县应) answer rate.

Reads only; the caller scopes the town (pages and API check `visible_to` first).

Every check takes a list of towns and answers {town code: Check} with a fixed number of queries
however many towns (one per check, a few for process maps): the city table of 98 towns ran about
2,000 queries, 20 per town, in 2.4–3.4 s (issue 14); `town_checks` is the same code for one town.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import format_lazy

from divisions.models import Division


def _post_url(post: Any) -> str | Promise:
    """The post's row on its town's page (AB岗 table), which every reader of the town may open —
    not the admin, which command and leader users cannot. Lazy, like the other links."""
    return format_lazy("{}#post-{}", reverse_lazy("web:division", args=[post.division_id]), post.pk)


@dataclass
class Failure:
    label: str
    detail: str
    url: str | Promise   # lazy: reversed only when shown (the table shows counts: thousands of links unused)


@dataclass
class Check:
    code: str
    name: str
    ok: bool | None          # None: not measurable yet (no data)
    summary: str
    failures: list[Failure] = field(default_factory=list)


def _town_of(code: str) -> str:
    """The town a division code lies in (a town's own code, a village's town)."""
    return code[:9] + "000"


def _area(towns: list[Division], field_name: str) -> Q:
    """Rows under the towns' longest common code prefix (one indexed `startswith`; the callers keep
    only the rows whose `_town_of` is one of the towns)."""
    codes = [t.code[:9] for t in towns]
    prefix = codes[0] if codes else ""
    for code in codes[1:]:
        while not code.startswith(prefix):
            prefix = prefix[:-1]
    return Q(**{f"{field_name}__startswith": prefix})


def check_posts(towns: list[Division]) -> dict[str, Check]:
    from org.models import Post

    area = _area(towns, "division__code")
    rows = list(Post.objects.filter(area).filter(Q(holder_a__isnull=True) | Q(holder_b__isnull=True))
                .select_related("unit").order_by("unit__name", "name"))
    totals: dict[str, int] = defaultdict(int)
    for division_id, n in Post.objects.filter(area).values("division_id").annotate(n=Count("id")).values_list(
            "division_id", "n"):
        totals[_town_of(division_id)] += n
    fails: dict[str, list[Failure]] = defaultdict(list)
    for p in rows:
        fails[_town_of(p.division_id)].append(Failure(
            str(p), "缺A岗" if p.holder_a_id is None and p.holder_b_id is not None else
            "缺B岗" if p.holder_b_id is None and p.holder_a_id is not None else "缺A岗和B岗",
            _post_url(p)))
    return {t.code: Check("ab_posts", "每个岗位配齐A岗和B岗", not fails[t.code],
                          f"{totals[t.code]} 个岗位，{len(fails[t.code])} 个未配齐", fails[t.code]) for t in towns}


def check_leadership(towns: list[Division]) -> dict[str, Check]:
    from org.selectors import leadership_checks

    out = {}
    for c in leadership_checks(Division.objects.filter(code__in=[t.code for t in towns])):
        summary = f"领导班子 {c.leaders} 人，曾任村（社区）书记 {c.with_secretary_experience} 人（{c.share:.0%}，要求≥30%）"
        fails = [] if c.ok else [Failure("领导班子", summary, reverse_lazy("web:leadership"))]
        out[c.town_code] = Check("leadership", "领导班子中曾任村（社区）书记的比例不低于30%", c.ok, summary, fails)
    return out


def check_admission(towns: list[Division], on: dt.date) -> dict[str, Check]:
    from catalog.models import Assignment
    from catalog.services import admission_require
    from core.errors import PlatformError

    by_code = {t.code: t for t in towns}
    rows: dict[str, list[Any]] = defaultdict(list)
    fails: dict[str, list[Failure]] = defaultdict(list)
    for a in Assignment.objects.filter(division_id__in=list(by_code)).select_related("admission", "department"):
        rows[a.division_id].append(a)
        try:   # THE gate itself, row by row (assignments are few; it reads the admission as stored)
            admission_require(town=by_code[a.division_id], admission=a.admission, task=a.title,
                              on=a.created_at.date())
        except PlatformError as exc:
            fails[a.division_id].append(Failure(a.title, exc.message,
                                                reverse_lazy("catalog:admission", args=[a.admission_id])))
    return {t.code: Check("admission", "交办任务均经准入", not fails[t.code],
                          f"交办任务 {len(rows[t.code])} 项，未经有效准入 {len(fails[t.code])} 项", fails[t.code])
            for t in towns}


def check_process_maps(towns: list[Division], on: dt.date) -> dict[str, Check]:
    from catalog.models import ItemList
    from catalog.selectors import list_state
    from flows.models import ProcessMap

    items: dict[str, dict[int, Any]] = defaultdict(dict)
    known: dict[str, Any] = {}   # items read once for every list (a county's items are every town's)
    for item_list in ItemList.objects.filter(division_id__in=[t.code for t in towns]).select_related(
            "base").prefetch_related("versions", "base__versions"):
        for entry in list_state(item_list, on, items=known).entries:
            if entry.item.is_routine:
                items[item_list.division_id][entry.item.pk] = entry.item
    mapped: set[tuple[int, str]] = set(ProcessMap.objects.filter(
        item_id__in={pk for found in items.values() for pk in found}, status="published",
        division_id__in={c for t in towns for c in (t.code, t.code[:6] + "000000")}).values_list("item_id", "division_id"))
    out = {}
    for t in towns:
        county = t.code[:6] + "000000"
        mine = items[t.code]
        fails = [Failure(f"{i.code} {i.name}", "无已发布的流程图", reverse_lazy("flows:item", args=[i.code]))
                 for pk, i in sorted(mine.items(), key=lambda kv: kv[1].code)
                 if (pk, t.code) not in mapped and (pk, county) not in mapped]
        out[t.code] = Check("process_maps", "每个常办事项都有已发布的流程图（按图行权）", not fails,
                            f"常办事项 {len(mine)} 项，缺流程图 {len(fails)} 项", fails)
    return out


def check_grid_teams(towns: list[Division]) -> dict[str, Check]:
    from grids.models import Grid, GridMembership

    area = _area(towns, "division__code")
    grids = Grid.objects.filter(area, status="active").values("pk", "code", "name", "division_id").order_by("code")
    # the teams in one aggregate over memberships (a LEFT JOIN from every grid cost twice as much)
    teams = {r["grid_id"]: (r["heads"], r["n"] - r["heads"]) for r in GridMembership.objects.filter(
        grid__in=Grid.objects.filter(area, status="active")).values("grid_id").annotate(
        heads=Count("id", filter=Q(role="head")), n=Count("id")).order_by()}
    counted: dict[str, int] = defaultdict(int)
    fails: dict[str, list[Failure]] = defaultdict(list)
    for g in grids:
        town = _town_of(g["division_id"])
        counted[town] += 1
        heads, others = teams.get(g["pk"], (0, 0))
        missing = [label for label, n in (("网格长", heads), ("网格员", others)) if not n]
        if missing:
            fails[town].append(Failure(f"{g['code']} {g['name']}", "缺" + "、".join(missing),
                                       reverse_lazy("grids:detail", args=[g["pk"]])))
    return {t.code: Check("grid_teams", "每个网格有网格长和至少一名网格员（一格一长多员）", not fails[t.code],
                          f"网格 {counted[t.code]} 个，未配齐 {len(fails[t.code])} 个", fails[t.code]) for t in towns}


def check_routing_gaps(towns: list[Division], on: dt.date) -> dict[str, Check]:
    from catalog.selectors import gaps

    fails: dict[str, list[Failure]] = defaultdict(list)
    for g in gaps(Division.objects.filter(code__in=[t.code for t in towns]), on=on):
        fails[g.town].append(Failure(f"{g.matter} {g.matter_name}", g.reason,
                                     reverse_lazy("catalog:responsibility", args=[g.matter, g.town])))
    return {t.code: Check("routing_gaps", "每个职责事项在本镇有主体责任单位（无分拨缺口）", not fails[t.code],
                          f"缺主体责任 {len(fails[t.code])} 项", fails[t.code]) for t in towns}


def check_town_calls(towns: list[Division], on: dt.date) -> dict[str, Check]:
    """乡呼县应: answered on time / called, over the 90 days up to `on` (events part 2's rows)."""
    from django.apps import apps

    label = "events.CallDepartment"  # events part 2 (issue 9); absent before it lands
    try:
        CallDepartment = apps.get_model(label)
    except LookupError:
        return {t.code: Check("town_calls", "乡呼县应按时答复率", None, "乡呼县应记录尚未启用") for t in towns}
    tz = timezone.get_default_timezone()
    until = dt.datetime.combine(on + dt.timedelta(days=1), dt.time(), tz)
    rows = CallDepartment.objects.filter(call__event__town_id__in=[t.code for t in towns],
                                         call__at__gte=until - dt.timedelta(days=91), call__at__lt=until)
    counts = {r["call__event__town_id"]: (r["total"], r["answered"]) for r in rows.values("call__event__town_id")
              .annotate(total=Count("id"), answered=Count("id", filter=Q(outcome="answered"))).order_by()}
    late: dict[str, list[Any]] = defaultdict(list)
    for c in rows.exclude(outcome="answered").select_related("call", "unit").annotate(
            town=F("call__event__town_id")).order_by("call__at"):
        if len(late[c.town]) < 200:
            late[c.town].append(c)
    out = {}
    for t in towns:
        total, answered = counts.get(t.code, (0, 0))
        rate = answered / total if total else None
        fails = [Failure(f"{c.unit.name}", c.get_outcome_display(), reverse_lazy("events:detail", args=[c.call.event_id]))
                 for c in late[t.code] if c.outcome != "pending" or c.answer_due < until]
        summary = f"近90天呼叫 {total} 次，按时答复 {answered} 次" + (f"（{rate:.0%}）" if rate is not None else "")
        out[t.code] = Check("town_calls", "乡呼县应按时答复率", (not fails) if total else None, summary, fails)
    return out


CHECKS: list[Callable[[list[Division], dt.date], dict[str, Check]]] = [
    lambda towns, on: check_posts(towns), lambda towns, on: check_leadership(towns), check_admission,
    check_process_maps, lambda towns, on: check_grid_teams(towns), check_routing_gaps, check_town_calls]


def table(towns: list[Division], on: dt.date | None = None) -> list[tuple[Division, list[Check]]]:
    """The county / city table: every town's checks, each check run once for all the towns."""
    on = on or timezone.localdate()
    results = [check(towns, on) for check in CHECKS]
    return [(t, [found[t.code] for found in results]) for t in towns]


def town_checks(town: Division, on: dt.date | None = None) -> list[Check]:
    return table([town], on)[0][1]
