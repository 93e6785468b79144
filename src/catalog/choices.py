from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemKind(models.TextChoices):
    APPROVAL = "approval", _("行政许可/审批服务")
    PENALTY = "penalty", _("行政处罚/执法")
    INSPECTION = "inspection", _("行政检查")
    PUBLIC_SERVICE = "public_service", _("公共服务")
    OTHER = "other", _("其他")


class ListKind(models.TextChoices):
    APPROVAL = "approval", _("审批服务清单")
    ENFORCEMENT = "enforcement", _("行政执法清单")


# Which list an item belongs on (approval-type powers on the approval-service list,
# penalty and inspection powers on the enforcement list).
LIST_KIND_OF_ITEM = {
    ItemKind.APPROVAL: ListKind.APPROVAL,
    ItemKind.PUBLIC_SERVICE: ListKind.APPROVAL,
    ItemKind.OTHER: ListKind.APPROVAL,
    ItemKind.PENALTY: ListKind.ENFORCEMENT,
    ItemKind.INSPECTION: ListKind.ENFORCEMENT,
}


class EntryOp(models.TextChoices):
    ADD = "add", _("列入")
    REMOVE = "remove", _("移出")


class VersionSource(models.TextChoices):
    ISSUE = "issue", _("县级统一发布")
    ADOPT = "adopt", _("乡镇承接")
    EDIT = "edit", _("清单调整")
    IMPORT = "import", _("Excel 导入")
    DELEGATION = "delegation", _("赋权")
    ADJUSTMENT = "adjustment", _("调整")
    RETURN = "return", _("退还")


class AdmissionState(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    RETURNED = "returned", _("退回修改")
    APPROVED = "approved", _("准入")
    REJECTED = "rejected", _("不予准入")
    WITHDRAWN = "withdrawn", _("已撤回")


class ReviewDecision(models.TextChoices):
    APPROVE = "approve", _("同意")
    REJECT = "reject", _("不同意")
    RETURN = "return", _("退回修改")


class ChangeKind(models.TextChoices):
    DELEGATION = "delegation", _("赋权")
    ADJUSTMENT = "adjustment", _("调整")
    RETURN = "return", _("退还")


class ChangeState(models.TextChoices):
    SUBMITTED = "submitted", _("待部门意见")
    DEPT_REVIEWED = "dept_reviewed", _("待编办审核")
    RETURNED = "returned", _("退回修改")
    APPROVED = "approved", _("已批准，待生效")
    IN_FORCE = "in_force", _("已生效")
    REJECTED = "rejected", _("不予批准")
    WITHDRAWN = "withdrawn", _("已撤回")


class ReturnReason(models.TextChoices):
    STAFF = "staff", _("人员力量不足")
    SKILLS = "skills", _("专业能力不足")
    EQUIPMENT = "equipment", _("技术装备不足")
    VOLUME = "volume", _("办件量过少或过大")
    CITIZENS = "citizens", _("下放后群众办事更不便")
    OTHER = "other", _("其他")


class Holder(models.TextChoices):
    TOWN = "town", _("乡镇（街道）")
    COUNTY = "county", _("县级部门")
