"""Enumerations of the sharing app: what a key may do, how a webhook is signed, import states."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class KeyScope(models.TextChoices):
    """What an API key may do (端口授权). Every key endpoint names the one scope it needs."""

    EVENTS_CREATE = "events:create", _("上报事件")
    EVENTS_READ = "events:read", _("读取事件")
    EVENTS_EXPORT = "events:export", _("批量导出事件")
    WORKORDERS_IMPORT = "workorders:import", _("导入工单")
    LISTS_READ = "lists:read", _("读取清单")
    STATS_READ = "stats:read", _("读取统计")
    WEBHOOKS = "webhooks:manage", _("订阅事件变化")


class SignatureAlgorithm(models.TextChoices):
    """HMAC of a webhook body: SHA-256 (RFC 2104 / FIPS 180-4) or SM3 (GB/T 32905-2016)."""

    SHA256 = "sha256", _("HMAC-SHA256")
    SM3 = "sm3", _("HMAC-SM3")


class ImportStatus(models.TextChoices):
    RUNNING = "running", _("导入中")
    DONE = "done", _("已完成")
    CHECKED = "checked", _("已试导入")
    FAILED = "failed", _("失败")
