from django.db import models
from django.utils.translation import gettext_lazy as _


class GridType(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("综合网格")
    SPECIALISED = "specialised", _("专属网格")


class SpecialCategory(models.TextChoices):
    """What a specialised grid (专属网格) covers."""

    INDUSTRIAL_PARK = "industrial_park", _("工业园区")
    SCHOOL = "school", _("学校")
    HOSPITAL = "hospital", _("医院")
    MARKET = "market", _("商贸市场")
    SCENIC = "scenic", _("景区")
    STATION = "station", _("交通场站")
    OTHER = "other", _("其他")


class GridStatus(models.TextChoices):
    ACTIVE = "active", _("启用")
    RETIRED = "retired", _("停用")


class WorkerKind(models.TextChoices):
    FULL_TIME = "full_time", _("专职网格员")
    PART_TIME = "part_time", _("兼职网格员")
    CADRE = "cadre", _("下沉干部")


class TeamRole(models.TextChoices):
    HEAD = "head", _("网格长")
    MEMBER = "member", _("网格员")
    CADRE = "cadre", _("下沉干部")


class PatrolStatus(models.TextChoices):
    ACTIVE = "active", _("巡查中")
    ENDED = "ended", _("已结束")


class FindingCategory(models.TextChoices):
    SAFETY = "safety", _("安全隐患")
    ENVIRONMENT = "environment", _("环境卫生")
    CITY = "city", _("市容秩序")
    FACILITY = "facility", _("设施损坏")
    DISPUTE = "dispute", _("矛盾纠纷")
    LIVELIHOOD = "livelihood", _("民生诉求")
    OTHER = "other", _("其他")


class FindingStatus(models.TextChoices):
    UNREPORTED = "unreported", _("未上报")
    REPORTED = "reported", _("已上报")


class ReportKind(models.TextChoices):
    WEEKLY = "weekly", _("周分析")
    MONTHLY = "monthly", _("月汇总")


class VersionAction(models.TextChoices):
    CREATE = "create", _("新建")
    UPDATE = "update", _("修改")
    RETIRE = "retire", _("停用")
