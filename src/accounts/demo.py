"""Demo accounts. They share one precomputed password hash (demo12345, demo only)."""
from __future__ import annotations

from typing import Any, Callable

from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.models import User
from core import audit
from core.roles import Role
from divisions.choices import Level
from divisions.models import Division
from org.choices import UnitKind
from org.models import Unit

DEMO_PASSWORD = "demo12345"

# (username, division code, roles, display name, is_staff) — the logins ./run prints.
NAMED = [
    ("demo-city", "321000000000", [Role.CITY_COMMAND], "扬州市指挥中心", False),
    ("demo-county-321002", "321002000000", [Role.COUNTY_COMMAND], "广陵区指挥中心", False),
    ("demo-town-321002001", "321002001000", [Role.TOWN_COMMAND], "东关街道指挥调度中心", False),
    ("demo-town-321002106", "321002106000", [Role.TOWN_COMMAND], "湾头镇指挥调度中心", False),
    ("demo-reform-321002", "321002000000", [Role.REFORM_OFFICE], "广陵区编办", True),
    ("demo-leader-321000", "321000000000", [Role.LEADER], "扬州市领导", False),
    ("demo-auditor-321000", "321000000000", [Role.AUDITOR], "扬州市审计", False),
    ("demo-dept-321002", "321002000000", [Role.DEPT_HANDLER], "广陵区城市管理局处置人员", False),
]


@transaction.atomic
def load(say: Callable[[str], Any]) -> None:
    if User.objects.filter(username="demo-city").exists():
        say("演示账号：已存在，跳过")
        return
    password = make_password(DEMO_PASSWORD)
    users = [User(username=u, division_id=code, roles=roles, display_name=name, is_staff=staff, password=password,
                  is_synthetic=True) for u, code, roles, name, staff in NAMED]
    dept = Unit.objects.filter(division_id="321002000000", kind=UnitKind.COUNTY_DEPARTMENT, name__contains="城市管理局").first()
    users[-1].unit = dept
    named = {u.username for u in users}
    for town in Division.objects.filter(level=Level.TOWN):
        name = f"demo-town-{town.code[:9]}"
        if name not in named:
            users.append(User(username=name, division=town, roles=[Role.TOWN_COMMAND], password=password,
                              display_name=f"{town.name}指挥调度中心", is_synthetic=True))
    for county in Division.objects.filter(level=Level.COUNTY):
        for prefix, role, label in (("demo-county", Role.COUNTY_COMMAND, "指挥中心"), ("demo-reform", Role.REFORM_OFFICE, "编办")):
            name = f"{prefix}-{county.code[:6]}"
            if name not in named:
                users.append(User(username=name, division=county, roles=[role], password=password,
                                  display_name=f"{county.name}{label}", is_staff=role == Role.REFORM_OFFICE,
                                  is_synthetic=True))
    users.append(User(username="demo-admin", is_superuser=True, is_staff=True, password=password,
                      display_name="平台管理员", is_synthetic=True))
    with audit.acting_as(name="load_demo", source="import"):
        User.objects.bulk_create(users)
        audit.record_bulk(users)
    say(f"演示账号：{len(users)} 个（密码 {DEMO_PASSWORD}，仅限演示）")
