from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemKind(models.TextChoices):
    APPROVAL = "approval", _("行政许可/审批服务")
    PENALTY = "penalty", _("行政处罚/执法")
    INSPECTION = "inspection", _("行政检查")
    PUBLIC_SERVICE = "public_service", _("公共服务")
    OTHER = "other", _("其他")
