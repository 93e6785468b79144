"""A small hand-built world with known outcomes (March 2026, Asia/Shanghai), for assessment tests.

Built directly as rows with chosen instants (the lifecycle services stamp `now`), on top of
`core.testing.world` (广陵区 321002: 东关街道 A 321002001000, 湾头镇 B 321002106000).

Units: uA 东关街道综合执法局, uB 湾头镇综合执法局, dept 广陵区城市管理局 (county department),
st 湾头镇市场监管所 (stationed in B, home department 广陵区市场监管局).
Grids: gA1, gA2 (village 321002001001), gB1 (village 321002106001).
Workers: w1 (gA1 head), w2 (gA1 member, gA2 head), w3 (gB1 head), each with a login.

Events (t(d, h) = 2026-03-d h:00 +08; "due" on a step = the due time of the next step):
  E1 A gA1 grid by w1: report t2 9:00 (due 10:00) · accept 9:30 (due 11:00) · file 10:00 (due 11:00)
     · dispatch 10:30 → uA (due t10 17:00) · feedback hA t5 10:00 (due 14:00) · verify passed w1 t5 12:00
     · close t5 15:00 · rate t6 9:00 rating 5.                    event due t10 17:00
  E2 A gA1 grid by w1: report t3 9:00 (due 10:00) · reject 11:00 (late, and an invalid report).
  E3 A gA1 citizen (no reporter): report t4 9:00 (due 10:00) · accept 9:45 (due 11:00) · file 10:30
     (due 11:00) · dispatch 12:00 → uA (late) · return hA 15:00 · dispatch 15:30 → dept (due t12 17:00)
     · extend requested hd t6 9:00 · extend approved t6 10:00 (due t16 17:00) · feedback hd t14 10:00
     · verify failed (centre) t14 15:00 (due t15 17:00) · feedback hd t15 18:00 (late) · verify passed
     t16 8:00 · close t16 9:00.                                      event due t16 17:00 (extended)
  E4 B gB1 patrol by w3: report t5 9:00 (due 10:00) · accept 9:30 · file 10:00 (due 11:00) · dispatch
     10:30 → uB (due t6 17:00); nothing more (overdue).             event due t6 17:00
  E5 B gB1 hotline (no reporter), county level: report t20 9:00 (due 10:00) · accept 9:10 · file 9:20
     (due 11:00) · dispatch 9:30 → dept (due t27 17:00) · feedback hd t26 10:00 · verify passed (county
     centre) t26 11:00 · close t30 10:00 (late) · rate t31 10:00 rating 3.   event due t27 17:00
  E6 A gA2 grid by w2: report t25 9:00 (due 10:00) · accept 9:20 · file 9:40 (due 11:00) · dispatch
     10:00 → uA (due t27 17:00) · feedback hA t27 10:00 (due 14:00) · then, AFTER the first computation
     (as_of 2026-04-02 00:00): verify passed w2 2026-04-03 9:00, close 2026-04-03 10:00 (late).
Patrols: w1 gA1 t2 8:00 and t2 14:00 and t3 8:00; w2 gA2 t2 8:00, w2 gB1 t4 8:00 (not his grid).
Stationed dispatches (st): due t10 17:00 done t10 12:00; due t20 17:00 done t21 9:00; due 2026-04-02.
Cases (flows): A: completed t10 (no overdue step), completed t11 (one overdue step); B: completed t12;
A: completed 2026-04-01 (next month).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.test import Client
from django.utils import timezone

from core import audit
from core.roles import Role
from core.testing.world import World, build_world

A, B, COUNTY, CITY = "321002001000", "321002106000", "321002000000", "321000000000"
VA, VB = "321002001001", "321002106001"
TZ = timezone.get_default_timezone()
FIRST_AS_OF = dt.datetime(2026, 4, 2, 0, 0, tzinfo=TZ)
AS_OF = dt.datetime(2026, 4, 5, 0, 0, tzinfo=TZ)


def t(day: int, hour: int, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TZ)


SQUARE = '{"type": "Polygon", "coordinates": [[[119.4, 32.4], [119.41, 32.4], [119.41, 32.41], [119.4, 32.41], [119.4, 32.4]]]}'


@dataclass
class AssessWorld:
    world: World
    units: dict[str, Any] = field(default_factory=dict)
    grids: dict[str, Any] = field(default_factory=dict)
    workers: dict[str, Any] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)
    events: dict[str, Any] = field(default_factory=dict)
    late: list[Any] = field(default_factory=list)  # steps recorded after FIRST_AS_OF


def _steps(event: Any, rows: list[tuple[Any, ...]]) -> list[Any]:
    """rows: (action, at, due, unit, actor, outcome, data, level)."""
    from events.models import Step

    out = []
    for seq, (action, at, due, unit, actor, outcome, data, level) in enumerate(rows, start=1):
        out.append(Step.objects.create(event=event, seq=seq, action=action, at=at, due_at=due, unit=unit, actor=actor,
                                       outcome=outcome or "", data=data or {}, level=level or event.level,
                                       to_state="x"))
    return out


def build() -> AssessWorld:
    from divisions.models import Division
    from grids.models import Grid, GridMembership, GridWorker, Patrol
    from org.models import Unit

    world = build_world()
    aw = AssessWorld(world)
    with audit.acting_as(name="test", source="test"):
        u = aw.units
        u["uA"] = Unit.objects.create(division_id=A, name="东关街道综合执法局", kind="bureau")
        u["uB"] = Unit.objects.create(division_id=B, name="湾头镇综合执法局", kind="bureau")
        u["dept"] = Unit.objects.create(division_id=COUNTY, name="广陵区城市管理局", kind="county_department")
        u["market"] = Unit.objects.create(division_id=COUNTY, name="广陵区市场监管局", kind="county_department")
        u["st"] = Unit.objects.create(division_id=B, name="湾头镇市场监管所", kind="stationed",
                                      home_department=u["market"])
        for key, code, village in (("gA1", "321002001001001", VA), ("gA2", "321002001001002", VA),
                                   ("gB1", "321002106001001", VB)):
            aw.grids[key] = Grid.objects.create(code=code, name=f"网格{key}", type="comprehensive", division_id=village,
                                                village_id=village, geometry=SQUARE, centroid_lng=119.405,
                                                centroid_lat=32.405)
        us = aw.users
        for name, div, roles, unit in (("w1", VA, [Role.GRID_WORKER], None), ("w2", VA, [Role.GRID_WORKER], None),
                                       ("w3", VB, [Role.GRID_WORKER], None),
                                       ("hA", A, [Role.DEPT_HANDLER], u["uA"]), ("hB", B, [Role.DEPT_HANDLER], u["uB"]),
                                       ("hd", COUNTY, [Role.DEPT_HANDLER], u["dept"]),
                                       ("cA", A, [Role.TOWN_COMMAND], None), ("cB", B, [Role.TOWN_COMMAND], None),
                                       ("cc", COUNTY, [Role.COUNTY_COMMAND], None),
                                       ("reform", COUNTY, [Role.REFORM_OFFICE], None),
                                       ("leader", CITY, [Role.LEADER], None)):
            user = world.user(name, div, [str(r) for r in roles])
            if unit is not None:
                user.unit = unit
                user.save()
            us[name] = user
        w = aw.workers
        w["w1"] = GridWorker.objects.create(division_id=VA, name="网格员甲", user=us["w1"])
        w["w2"] = GridWorker.objects.create(division_id=VA, name="网格员乙", user=us["w2"])
        w["w3"] = GridWorker.objects.create(division_id=VB, name="网格员丙", user=us["w3"])
        g = aw.grids
        GridMembership.objects.create(grid=g["gA1"], worker=w["w1"], role="head")
        GridMembership.objects.create(grid=g["gA1"], worker=w["w2"], role="member")
        GridMembership.objects.create(grid=g["gA2"], worker=w["w2"], role="head")
        GridMembership.objects.create(grid=g["gB1"], worker=w["w3"], role="head")
        _events(aw)
        for worker, grid, at in (("w1", "gA1", t(2, 8)), ("w1", "gA1", t(2, 14)), ("w1", "gA1", t(3, 8)),
                                 ("w2", "gA2", t(2, 8)), ("w2", "gB1", t(4, 8))):
            Patrol.objects.create(worker=w[worker], division_id=g[grid].division_id, grid=g[grid], started_at=at,
                                  status="ended", ended_at=at + dt.timedelta(hours=1))
        _stationed(aw)
        _cases(aw)
    assert Division.objects.filter(code=COUNTY).exists()
    return aw


def _event(aw: AssessWorld, key: str, town: str, grid: str, channel: str, reporter: Any, due: dt.datetime,
           level: str = "town") -> Any:
    from events.models import Event

    g = aw.grids[grid]
    event = Event.objects.create(description=f"测试事件{key}", channel=channel, reporter=reporter,
                                 location_status="in_grid", division_id=g.division_id, grid=g, village_id=g.village_id,
                                 town_id=town, county_id=COUNTY, level=level, due_at=due, reported_at=t(1, 0))
    aw.events[key] = event
    return event


def _events(aw: AssessWorld) -> None:
    u, us = aw.units, aw.users
    unit = {k: {"unit": {"id": v.pk, "name": v.name}} for k, v in u.items()}
    e1 = _event(aw, "E1", A, "gA1", "grid", us["w1"], t(10, 17))
    _steps(e1, [("report", t(2, 9), t(2, 10), None, us["w1"], "", None, None),
                ("accept", t(2, 9, 30), t(2, 11), None, us["cA"], "", None, None),
                ("file", t(2, 10), t(2, 11), None, us["cA"], "", None, None),
                ("dispatch", t(2, 10, 30), t(10, 17), None, us["cA"], "", unit["uA"], None),
                ("feedback", t(5, 10), t(5, 14), u["uA"], us["hA"], "", None, None),
                ("verify", t(5, 12), None, None, us["w1"], "passed", None, None),
                ("close", t(5, 15), None, None, us["cA"], "", None, None),
                ("rate", t(6, 9), None, None, us["cA"], "", {"rating": 5}, None)])
    e2 = _event(aw, "E2", A, "gA1", "grid", us["w1"], t(10, 17))
    _steps(e2, [("report", t(3, 9), t(3, 10), None, us["w1"], "", None, None),
                ("reject", t(3, 11), None, None, us["cA"], "", None, None)])
    e3 = _event(aw, "E3", A, "gA1", "citizen", None, t(16, 17))
    _steps(e3, [("report", t(4, 9), t(4, 10), None, None, "", None, None),
                ("accept", t(4, 9, 45), t(4, 11), None, us["cA"], "", None, None),
                ("file", t(4, 10, 30), t(4, 11), None, us["cA"], "", None, None),
                ("dispatch", t(4, 12), t(12, 17), None, us["cA"], "", unit["uA"], None),
                ("return", t(4, 15), t(4, 16), u["uA"], us["hA"], "", None, None),
                ("dispatch", t(4, 15, 30), t(12, 17), None, us["cA"], "", unit["dept"], None),
                ("extend", t(6, 9), t(12, 17), u["dept"], us["hd"], "requested", None, None),
                ("extend", t(6, 10), t(16, 17), None, us["cA"], "approved", None, None),
                ("feedback", t(14, 10), t(14, 14), u["dept"], us["hd"], "", None, None),
                ("verify", t(14, 15), t(15, 17), None, us["cA"], "failed", None, None),
                ("feedback", t(15, 18), t(16, 9), u["dept"], us["hd"], "", None, None),
                ("verify", t(16, 8), None, None, us["cA"], "passed", None, None),
                ("close", t(16, 9), None, None, us["cA"], "", None, None)])
    e4 = _event(aw, "E4", B, "gB1", "patrol", us["w3"], t(6, 17))
    _steps(e4, [("report", t(5, 9), t(5, 10), None, us["w3"], "", None, None),
                ("accept", t(5, 9, 30), t(5, 11), None, us["cB"], "", None, None),
                ("file", t(5, 10), t(5, 11), None, us["cB"], "", None, None),
                ("dispatch", t(5, 10, 30), t(6, 17), None, us["cB"], "", unit["uB"], None)])
    e5 = _event(aw, "E5", B, "gB1", "hotline", None, t(27, 17), level="county")
    _steps(e5, [("report", t(20, 9), t(20, 10), None, None, "", None, None),
                ("accept", t(20, 9, 10), t(20, 11), None, us["cc"], "", None, None),
                ("file", t(20, 9, 20), t(20, 11), None, us["cc"], "", None, None),
                ("dispatch", t(20, 9, 30), t(27, 17), None, us["cc"], "", unit["dept"], None),
                ("feedback", t(26, 10), t(26, 14), u["dept"], us["hd"], "", None, None),
                ("verify", t(26, 11), None, None, us["cc"], "passed", None, None),
                ("close", t(30, 10), None, None, us["cc"], "", None, None),
                ("rate", t(31, 10), None, None, us["cc"], "", {"rating": 3}, None)])
    e6 = _event(aw, "E6", A, "gA2", "grid", us["w2"], t(27, 17))
    steps = _steps(e6, [("report", t(25, 9), t(25, 10), None, us["w2"], "", None, None),
                        ("accept", t(25, 9, 20), t(25, 11), None, us["cA"], "", None, None),
                        ("file", t(25, 9, 40), t(25, 11), None, us["cA"], "", None, None),
                        ("dispatch", t(25, 10), t(27, 17), None, us["cA"], "", unit["uA"], None),
                        ("feedback", t(27, 10), t(27, 14), u["uA"], us["hA"], "", None, None),
                        ("verify", t(3, 9, month=4), None, None, us["w2"], "passed", None, None),
                        ("close", t(3, 10, month=4), None, None, us["cA"], "", None, None)])
    aw.late = steps[-2:]


def _stationed(aw: AssessWorld) -> None:
    from assess.models import StationedDispatch

    st = aw.units["st"]
    for due, done in ((t(10, 17), t(10, 12)), (t(20, 17), t(21, 9)), (t(2, 17, month=4), None)):
        StationedDispatch.objects.create(division_id=B, unit=st, task="防汛值守", due_at=due, completed_at=done,
                                         created_at=t(1, 9))


def _cases(aw: AssessWorld) -> None:
    from catalog.models import Item
    from flows.models import BpmnDocument, Case, CaseStep, ProcessMap

    item = Item.objects.create(code="ASSESS-1", name="测试事项", kind="approval", legal_basis="测试",
                               department_code="cgj")
    doc = BpmnDocument.objects.create(sha256="a" * 64, xml=b"<x/>", size=4)
    pmap = ProcessMap.objects.create(item=item, division_id=COUNTY, version=1, status="published", document=doc,
                                     process_id="p")
    for n, (town, done, late) in enumerate(((A, t(10, 16), False), (A, t(11, 16), True), (B, t(12, 16), False),
                                            (A, t(1, 16, month=4), False))):
        case = Case.objects.create(number=f"BJ-{n}", item=item, division_id=town, process_map=pmap,
                                   workflow_state=b"", state="completed", started_at=t(1, 9), completed_at=done)
        CaseStep.objects.create(case=case, division_id=town, seq=1, task_id=f"t{n}", task_spec="s", task_name="受理",
                                completed_at=done, overdue=late)


def march_county_report(aw: AssessWorld) -> Any:
    """The county's monthly report for March generated as the worker does (files stored at commit),
    read back from the database."""
    from assess import reports
    from assess.models import AssessReport
    from assess.periods import period_of
    from core.testing.commit import committed

    with committed():
        report = reports.report_generate(kind="monthly", division=aw.world.county,
                                         period=period_of("month", dt.date(2026, 3, 1)))
    return AssessReport.objects.get(pk=report.pk)


def with_march_results() -> AssessWorld:
    """The world with the seeded indicators and March 2026 computed for the county as of `AS_OF`
    (the fixture of the report, page and seeded-indicator tests)."""
    from assess import services
    from assess.periods import period_of

    aw = build()
    services.indicators_seed(city=aw.world.city)
    services.results_compute(division=aw.world.county, period=period_of("month", dt.date(2026, 3, 1)), as_of=AS_OF)
    return aw


def client(user: Any) -> Client:
    """A Django test client signed in as `user`."""
    c = Client()
    c.force_login(user)
    return c
