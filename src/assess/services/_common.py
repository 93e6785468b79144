"""Shared by the assess services: the acting user and the configuration writer check."""
import datetime as dt
from decimal import Decimal
from typing import Any

from core import audit
from core.errors import NotAllowed, NotFound, PlatformError
from core.roles import Role, has_role
from core.scoping import code_level, scope_for
from divisions.models import Division

SEED_FROM = dt.date(2000, 1, 1)
CONFIG_ROLES = (Role.REFORM_OFFICE, Role.COUNTY_COMMAND, Role.CITY_COMMAND)
FOUR = Decimal("0.000001")


def _as_user(user: Any) -> Any:
    return audit.acting_as(user, source="service") if user is not None else audit.acting_as(name="system")


def _check_config_writer(user: Any, division: Division) -> None:
    if user is None:
        return
    if not scope_for(user).covers(division.code):
        raise NotFound("区划不存在或不在您的管辖范围内")
    if code_level(division.code) not in ("city", "county"):
        raise PlatformError("指标和考核方案只能由市、县（市、区）制定", code="config_level",
                            fields={"division": ["须为市或县级区划"]})
    if not (getattr(user, "is_superuser", False) or has_role(user, *CONFIG_ROLES)):
        raise NotAllowed("只有编办或市、县指挥中心可以修改考核指标和方案")
