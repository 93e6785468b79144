from django.db import models
from django.utils.translation import gettext_lazy as _


class MapStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    RETIRED = "retired", _("已停用")


class CaseState(models.TextChoices):
    RUNNING = "running", _("办理中")
    COMPLETED = "completed", _("已办结")


class LimitUnit(models.TextChoices):
    HOURS = "hours", _("工作小时")
    DAYS = "days", _("工作日")


# Which template a catalog item kind gets in the demo and in "new map from template".
TEMPLATE_FOR_KIND = {
    "approval": "approval",
    "penalty": "penalty",
    "inspection": "inspection",
    "public_service": "public_service",
    "other": "public_service",
}

TEMPLATE_LABELS = {
    "approval": _("行政审批（受理→审查→决定→送达，含补正）"),
    "penalty": _("行政处罚（立案→调查取证→审核→告知→陈述申辩/听证→决定→执行→结案）"),
    "inspection": _("行政检查（计划→现场检查→整改→复查→归档）"),
    "public_service": _("公共服务（登记→办理→反馈）"),
    "ten_step": _("十步流程（性能测试用）"),
    "blank": _("空白流程图（在建模页绘制）"),
}
