"""Enumerations of the events app. States and actions live in `events/lifecycle.py`."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class ClassKind(models.TextChoices):
    """GB/T 47678.5 distinguishes management components and management matters; the
    grassroots classes the urban standard lacks are local extensions."""

    COMPONENT = "component", _("管理部件")
    MATTER = "matter", _("管理事项")
    EXTENSION = "extension", _("基层治理扩展类")


class Severity(models.TextChoices):
    """Default severity of a class; a reporter may raise it (重大 / 特别重大 go to the city)."""

    ORDINARY = "ordinary", _("一般")
    SERIOUS = "serious", _("较大")
    MAJOR = "major", _("重大")
    GRAVE = "grave", _("特别重大")


SEVERITY_RANK = {Severity.ORDINARY: 0, Severity.SERIOUS: 1, Severity.MAJOR: 2, Severity.GRAVE: 3}
CITY_SEVERITIES = (Severity.MAJOR, Severity.GRAVE)


class LimitUnit(models.TextChoices):
    """Units of a time limit, as `core.workcal.due_time` takes them."""

    HOURS = "hours", _("工作时")
    DAYS = "days", _("工作日")


class Channel(models.TextChoices):
    """Where a report came from. Every channel goes through `services.event_report`."""

    GRID = "grid", _("网格员上报")
    PATROL = "patrol", _("巡查发现")
    CITIZEN = "citizen", _("公众上报")
    HOTLINE = "hotline", _("12345热线")
    SYSTEM = "system", _("其他系统")
    DEVICE = "device", _("设备/视频告警")
    OPEN311 = "open311", _("Open311接口")


# Channels whose reporter is a grid worker on duty: a point outside the grids they may see is refused.
WORKER_CHANNELS = (Channel.GRID, Channel.PATROL)
# Channels that belong to one door of the platform and are not offered by the native intake API:
# `open311` is what `POST /open311/v2/requests` writes (sharing.open311), so queues and figures tell
# those reports apart from other systems' (issue 16).
DOOR_CHANNELS = (Channel.OPEN311,)
API_CHANNELS = [(value, label) for value, label in Channel.choices if value not in DOOR_CHANNELS]


class Level(models.TextChoices):
    """Which command centre owns the event (市级统筹管大事、县级统抓管难事、乡级统办管琐事)."""

    TOWN = "town", _("镇街")
    COUNTY = "county", _("县级")
    CITY = "city", _("市级")


LEVEL_RANK = {Level.TOWN: 0, Level.COUNTY: 1, Level.CITY: 2}


class LocationStatus(models.TextChoices):
    """How the event's place was established; `no grid` cases say why."""

    IN_GRID = "in_grid", _("定位到网格")
    OUTSIDE_GRIDS = "outside_grids", _("坐标不在任何网格内")
    ADDRESS = "address", _("按地址定位（无网格）")
    AMBIGUOUS = "ambiguous", _("地址有歧义，停在上一级")
    REPORTER = "reporter", _("未给出位置，按上报人所属区划")
