"""Enumerations of the notify app (labels in Simplified Chinese through gettext)."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("待投递")
    DELIVERED = "delivered", _("已投递")
    DEAD = "dead", _("投递失败（已停止重试）")


class NotificationKind(models.TextChoices):
    """What a notification is about (issue 9 item 3); the events app sends them."""

    DISPATCHED = "dispatched", _("派遣给您")
    DUE_SOON = "due_soon", _("即将到期")
    OVERDUE = "overdue", _("已超期")
    ESCALATED = "escalated", _("已上报升级")
    CALLED = "called", _("乡呼县应")
    RETURNED = "returned", _("退单")
    CLOSED = "closed", _("办理结果")
    URGED = "urged", _("催办")


class Channel(models.TextChoices):
    """Ways a notification reaches people. The inbox is always there; gateways are plug-ins."""

    INBOX = "inbox", _("平台消息")
    SMS = "sms", _("短信")
    WECOM = "wecom", _("政务微信")


GATEWAY_CHANNELS = (Channel.SMS, Channel.WECOM)
