"""Demo organisation for every Yangzhou town: bodies, stationed bodies, staff, AB posts, absences.

People are synthetic (is_synthetic=True) and deterministic (fixed seed). Bulk inserts keep the
first start fast; each bulk insert is audited with record_bulk.
"""
from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from core import audit
from core.personal import id_card_check_char
from core.synthetic import NameMaker
from divisions.choices import Level
from divisions.models import Division
from org import services
from org.choices import Establishment, UnitKind
from org.models import Absence, Post, Staff, Unit

DATA = Path(__file__).resolve().parent / "data"
LEADER_TITLES = ["党（工）委书记", "镇长（主任）", "党（工）委副书记", "人大主席（工委主任）", "纪（工）委书记",
                 "副镇长（副主任）", "副镇长（副主任）", "组织委员", "宣传委员"]
POST_NAMES = {
    UnitKind.OFFICE: ["综合文秘岗", "督查考核岗", "后勤保障岗"],
    UnitKind.SERVICE_CENTRE: ["综合受理岗", "社保医保岗", "民政救助岗"],
    UnitKind.COMMAND_CENTRE: ["值班调度岗", "分析研判岗", "督办考核岗"],
    UnitKind.STATIONED: ["综合岗", "执法岗"],
}
DEFAULT_POSTS = ["综合岗", "业务岗", "内勤岗"]
SPECIAL_POSTS = {"行政审批局": ["窗口受理岗", "审批岗", "现场踏勘岗"], "综合执法局": ["执法中队岗", "法制审核岗", "案件管理岗"]}


def read_csv(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _departments(counties: list[Division]) -> dict[tuple[str, str], Unit]:
    rows = read_csv("county_departments.csv")
    new = []
    for county in counties:
        for order, row in enumerate(rows):
            new.append(Unit(division=county, name=f"{county.name}{row['name']}", kind=UnitKind.COUNTY_DEPARTMENT,
                            code=f"{county.code[:6]}-{row['code']}", order=order))
    Unit.objects.bulk_create(new, batch_size=1000)
    audit.record_bulk(new)
    return {(u.division_id, u.code.split("-")[1]): u for u in Unit.objects.filter(kind=UnitKind.COUNTY_DEPARTMENT)}


def _stationed(towns: list[Division], departments: dict[tuple[str, str], Unit]) -> None:
    rows = read_csv("stationed_bodies.csv")
    new = []
    for town in towns:
        county = town.code[:6] + "000000"
        for order, row in enumerate(rows):
            home = departments[(county, row["department"])]
            short = town.name.replace("街道", "").replace("镇", "").replace("乡", "")[:8]
            new.append(Unit(division=town, name=f"{short}{row['name_suffix']}", kind=UnitKind.STATIONED,
                            home_department=home, order=100 + order))
    Unit.objects.bulk_create(new, batch_size=1000)
    audit.record_bulk(new)


def _contact(town: Division, rng: random.Random) -> dict[str, str]:
    """A synthetic mobile number and ID-card number (county code of the town, a birth date, a valid
    GB 11643 check character); stored SM4-encrypted like real ones. A separate generator, so the
    names and posts of the demo stay what they were."""
    born = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randint(0, 35 * 365))
    first17 = f"{town.code[:6]}{born:%Y%m%d}{rng.randint(0, 999):03d}"
    return {"phone": f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(0, 99999999):08d}",
            "id_number": first17 + id_card_check_char(first17)}


def _people(towns: list[Division], names: NameMaker) -> None:
    rng = names.rng
    contacts = random.Random(4211)
    staff: list[Staff] = []
    for index, town in enumerate(towns):
        units = list(Unit.objects.filter(division=town))
        office = next(u for u in units if u.kind == UnitKind.OFFICE)
        # Most towns meet the ≥30% rule (4 of 9); every seventh falls short (2 of 9) so the
        # check has something to show.
        secretaries = 2 if index % 7 == 3 else 4
        for i, title in enumerate(LEADER_TITLES):
            staff.append(Staff(division=town, unit=office, name=names.name(), establishment=Establishment.ADMINISTRATIVE,
                               is_leader=True, title=title, served_village_secretary=i >= len(LEADER_TITLES) - secretaries,
                               is_synthetic=True, **_contact(town, contacts)))
        for unit in units:
            n = 6 if unit.kind == UnitKind.SERVICE_CENTRE else (3 if unit.kind == UnitKind.STATIONED else 4)
            for _ in range(n):
                est = Establishment.INSTITUTIONAL if unit.kind == UnitKind.SERVICE_CENTRE or rng.random() < 0.35 \
                    else Establishment.ADMINISTRATIVE
                staff.append(Staff(division=town, unit=unit, name=names.name(), establishment=est, is_synthetic=True,
                                   **_contact(town, contacts)))
    Staff.objects.bulk_create(staff, batch_size=2000)
    audit.record_bulk(staff)


def _posts(towns: list[Division], names: NameMaker) -> None:
    rng = names.rng
    posts: list[Post] = []
    by_unit: dict[int, list[Staff]] = {}
    for s in Staff.objects.filter(division__in=towns, is_leader=False).order_by("id"):
        by_unit.setdefault(s.unit_id, []).append(s)
    for unit in Unit.objects.filter(division__in=towns).order_by("division_id", "order"):
        people = by_unit.get(unit.id, [])
        titles = SPECIAL_POSTS.get(unit.name) or POST_NAMES.get(unit.kind, DEFAULT_POSTS)
        for i, title in enumerate(titles):
            a = people[i % len(people)] if people else None
            b = people[(i + 1) % len(people)] if len(people) > 1 else None
            if rng.random() < 0.04:
                b = None  # a few posts lack a B holder, so the flag has something to show
            posts.append(Post(division_id=unit.division_id, unit=unit, name=title, holder_a=a, holder_b=b))
    Post.objects.bulk_create(posts, batch_size=2000)
    audit.record_bulk(posts)
    today = timezone.localdate()
    away = [Absence(division_id=p.division_id, staff=p.holder_a, start=today - dt.timedelta(days=1),
                    end=today + dt.timedelta(days=rng.randint(0, 5)), reason=rng.choice(["年休假", "外出培训", "病假"]))
            for p in posts if p.holder_a is not None and rng.random() < 0.03]
    Absence.objects.bulk_create(away, batch_size=2000)
    audit.record_bulk(away)


@transaction.atomic
def load(say: Callable[[str], Any]) -> None:
    if Unit.objects.exists():
        say("机构与人员：已存在，跳过")
        return
    towns = list(Division.objects.filter(level=Level.TOWN).order_by("code"))
    counties = list(Division.objects.filter(level=Level.COUNTY).order_by("code"))
    with audit.acting_as(name="load_demo", source="import"):
        for town in towns:
            services.units_provision_town(town=town)
        departments = _departments(counties)
        _stationed(towns, departments)
        names = NameMaker()
        _people(towns, names)
        _posts(towns, names)
    say(f"机构与人员：机构 {Unit.objects.count()}，人员 {Staff.objects.count()}（合成），岗位 {Post.objects.count()}")
