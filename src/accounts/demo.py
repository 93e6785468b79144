"""Demo accounts. They share one precomputed password hash (demo12345, demo only).

Demo accounts are flagged `is_synthetic`: they keep the demo password (no forced change) in demo
mode, and in production (PLATFORM_MODE=production) they cannot sign in, the demo refuses to load
and the web process refuses to start while any exists (accounts.startup).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import CommandError
from django.db import transaction

from accounts.models import User
from accounts.security import DEMO_PASSWORD, production
from core import audit
from core.roles import Role
from divisions.choices import Level
from divisions.models import Division
from org.choices import UnitKind
from org.models import Unit

__all__ = ["DEMO_PASSWORD", "load"]

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
    # the unit the catalog routes most of 东关街道's events to (06010 and the other city-management classes)
    ("demo-unit-321002001", "321002001000", [Role.DEPT_HANDLER], "东关街道城市管理局处置人员", False),
]
# Handler accounts act for a unit: (division code, unit name contains, unit kind or None for any).
UNITS = {
    "demo-dept-321002": ("321002000000", "城市管理局", UnitKind.COUNTY_DEPARTMENT),
    "demo-unit-321002001": ("321002001000", "城市管理局", None),
}

# 三员分立: three administrators without a division (no business data) instead of one superuser.
# They sign in with the demo password and enrol TOTP on their first visit.
ADMINS = [
    ("demo-sysadmin", [Role.SYSTEM_ADMIN], "系统管理员"),
    ("demo-secadmin", [Role.SECURITY_ADMIN], "安全管理员"),
    ("demo-auditadmin", [Role.AUDIT_ADMIN], "审计管理员"),
]


@transaction.atomic
def load(say: Callable[[str], Any]) -> None:
    if production():
        raise CommandError("生产模式（PLATFORM_MODE=production）不加载演示数据与演示账号")
    if User.objects.filter(username="demo-city").exists():
        _replace_superuser(say)
        _add_missing_named(say)
        say("演示账号：已存在，跳过")
        return
    password = make_password(DEMO_PASSWORD)
    users = _named(password, [row[0] for row in NAMED])
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
    users += _admins(password)
    with audit.acting_as(name="load_demo", source="import"):
        User.objects.bulk_create(users)
        audit.record_bulk(users)
    say(f"演示账号：{len(users)} 个（密码 {DEMO_PASSWORD}，仅限演示）")


def _named(password_hash: str, usernames: list[str]) -> list[User]:
    """The featured accounts of `NAMED` among `usernames`, handlers attached to their unit (`UNITS`)."""
    users = []
    for username, code, roles, name, staff in NAMED:
        if username not in usernames:
            continue
        user = User(username=username, division_id=code, roles=roles, display_name=name, is_staff=staff,
                    password=password_hash, is_synthetic=True)
        if username in UNITS:
            division, contains, kind = UNITS[username]
            units = Unit.objects.filter(division_id=division, name__contains=contains)
            user.unit = (units.filter(kind=kind) if kind else units).order_by("id").first()
        users.append(user)
    return users


def _add_missing_named(say: Callable[[str], Any]) -> None:
    """A demo database loaded before a featured account was added gets it (e.g. demo-unit-321002001)."""
    have = set(User.objects.filter(username__in=[row[0] for row in NAMED]).values_list("username", flat=True))
    missing = [row[0] for row in NAMED if row[0] not in have]
    if not missing:
        return
    users = _named(make_password(DEMO_PASSWORD), missing)
    with audit.acting_as(name="load_demo", source="import"):
        User.objects.bulk_create(users)
        audit.record_bulk(users)
    say(f"演示账号：已补建 {'、'.join(missing)}")


def _admins(password_hash: str) -> list[User]:
    return [User(username=u, roles=roles, display_name=name, is_staff=True, password=password_hash, is_synthetic=True)
            for u, roles, name in ADMINS]


def _replace_superuser(say: Callable[[str], Any]) -> None:
    """A demo database loaded before 三员分立 has the superuser `demo-admin`: deactivate it and add
    the three administrators."""
    if User.objects.filter(username=ADMINS[0][0]).exists():
        return
    admins = _admins(make_password(DEMO_PASSWORD))
    with audit.acting_as(name="load_demo", source="import"):
        User.objects.bulk_create(admins)
        audit.record_bulk(admins)
        for old in User.objects.filter(username="demo-admin", is_synthetic=True):
            old.is_active = old.is_superuser = False
            old.save(update_fields=["is_active", "is_superuser"])
    say("演示账号：已补建三员管理员账号，停用超级用户 demo-admin")
