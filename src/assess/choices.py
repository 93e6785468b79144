"""Enumerations of assessment (考核评价, DESIGN.md §1 fourth coordination, §4)."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SubjectType(models.TextChoices):
    """Who or what is scored. `department` and `stationed` are units too: their schemes may also
    weight the `unit` indicators (handling), see `BASE_TYPES`."""

    GRID_WORKER = "grid_worker", _("网格员")
    CENTRE = "centre", _("指挥调度中心")
    UNIT = "unit", _("承办单位")
    DEPARTMENT = "department", _("县级部门")
    STATIONED = "stationed", _("派驻机构")
    TOWN = "town", _("乡镇（街道）")
    COUNTY = "county", _("县（市、区）")


# A scheme for the key may also weight indicators of the types listed (same subject key: unit id).
BASE_TYPES: dict[str, tuple[str, ...]] = {
    SubjectType.DEPARTMENT: (SubjectType.UNIT,),
    SubjectType.STATIONED: (SubjectType.UNIT,),
}


class PeriodKind(models.TextChoices):
    DAY = "day", _("日")
    WEEK = "week", _("周")
    MONTH = "month", _("月")
    QUARTER = "quarter", _("季度")
    YEAR = "year", _("年度")


class Direction(models.TextChoices):
    """A rate where more is better (结案率) scores value × 100; less is better (返工率) (1 − value) × 100."""

    HIGHER = "higher", _("越高越好")
    LOWER = "lower", _("越低越好")


class RevisionReason(models.TextChoices):
    FIRST = "first", _("首次计算")
    LATE_FACTS = "late_facts", _("期后到达的事实（修订）")
    DEFINITION = "definition", _("定义或权重变更")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("计算中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class Assessor(models.TextChoices):
    """Dual management (双重管理): who scores a stationed body or its staff."""

    TOWN = "town", _("属地乡镇（街道）")
    DEPARTMENT = "department", _("派出县级部门")


class ReportKind(models.TextChoices):
    WEEKLY = "weekly", _("周分析")
    MONTHLY = "monthly", _("月汇总")


DEFAULT_GRADES: list[list[object]] = [["A", 90], ["B", 75], ["C", 60], ["D", 40], ["E", 0]]
TOWN_SHARE_MIN = 50  # percent: the host town's share of a stationed body's annual score (DESIGN.md §1, 4th coordination)
TOWN_SHARE_RULE = "双重管理：属地乡镇（街道）考核权重不得低于50%"
SUGGESTION_ANSWER_DAYS = 10  # working days for the home department to answer an appointment suggestion
