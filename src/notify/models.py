"""Outbox rows (work that must happen), inbox notifications, and gateway addresses."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.scoping import OPERATIONAL, ScopedModel
from notify.choices import GATEWAY_CHANNELS, Channel, NotificationKind, OutboxStatus


class OutboxMessage(ScopedModel):
    """One piece of work that must happen, written in the transaction of the change causing it.

    Life: `pending` → `delivered` (or `dead` after `OUTBOX_MAX_ATTEMPTS`). A dispatcher claims a
    row by compare-and-set on `claimed_until` (a lease); `attempts` counts claims, so a worker
    killed mid-delivery still counts one. The row is its own record (attempts, last error,
    who delivered and when), which is why claims and retries are not copied into the audit log.
    `key` is unique: enqueuing the same key twice keeps the first row, and handlers receive it
    so that a repeated delivery is harmless.
    """

    kind = models.CharField(_("类型"), max_length=60)
    key = models.CharField(_("幂等键"), max_length=200, unique=True)
    payload = models.JSONField(_("内容"), default=dict)
    division = models.ForeignKey("divisions.Division", verbose_name=_("所属区划"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    created_at = models.DateTimeField(_("写入时间"), default=timezone.now)
    available_at = models.DateTimeField(_("可投递时间"), default=timezone.now)
    claimed_by = models.CharField(_("领取者"), max_length=100, blank=True)
    claimed_until = models.DateTimeField(_("领取有效至"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    last_attempt_at = models.DateTimeField(_("最近尝试"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    delivered_at = models.DateTimeField(_("投递时间"), null=True, blank=True)
    # The request that caused the work (core.logcontext), so its logs and the delivery's line up;
    # a database default too, so bare INSERTs that predate the column (benchmarks, tools) still work.
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True, default="", db_default="")

    scope_lookup = "division__code"
    scope_kind = OPERATIONAL

    class Meta:
        verbose_name = _("待投递任务")
        verbose_name_plural = _("待投递任务")
        indexes = [
            # The dispatcher's scan: pending rows whose time has come, oldest first.
            models.Index(fields=["status", "available_at"], name="notify_outbox_due"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class Notification(ScopedModel):
    """One message in an inbox: a user's own, or a unit's (shared by the unit's members).

    Exactly one of `user` and `unit` is set; `recipient` ("user:<id>" or "unit:<id>") with `key`
    is unique, so a repeated delivery of the same outbox row adds nothing. A unit notification
    has one read state: the first member who reads it marks it read for the unit (`read_by`).
    `division` is the recipient's division (scoping).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("接收人"), null=True, blank=True,
                             on_delete=models.CASCADE, related_name="notifications")
    unit = models.ForeignKey("org.Unit", verbose_name=_("接收机构"), null=True, blank=True,
                             on_delete=models.CASCADE, related_name="notifications")
    recipient = models.CharField(_("接收方"), max_length=40)
    division = models.ForeignKey("divisions.Division", verbose_name=_("所属区划"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=20, choices=NotificationKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=500, blank=True)
    key = models.CharField(_("幂等键"), max_length=200)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    read_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("阅读人"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")

    scope_lookup = "division__code"
    scope_kind = OPERATIONAL

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["key", "recipient"], name="notify_notification_once"),
            models.CheckConstraint(condition=Q(user__isnull=False, unit__isnull=True)
                                   | Q(user__isnull=True, unit__isnull=False),
                                   name="notify_notification_one_recipient"),
        ]
        indexes = [
            # Inbox and unread count: a user's own and their unit's, newest first.
            models.Index(fields=["user", "read_at"], name="notify_notif_user_read"),
            models.Index(fields=["unit", "read_at"], name="notify_notif_unit_read"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Contact(ScopedModel):
    """Where a gateway reaches a user: a mobile number for SMS, a 政务微信 user id for WeCom."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE,
                             related_name="contacts")
    channel = models.CharField(_("渠道"), max_length=10,
                               choices=[(c.value, c.label) for c in GATEWAY_CHANNELS])
    address = models.CharField(_("地址"), max_length=100, help_text=_("手机号或政务微信账号"))

    scope_lookup = "user__division__code"
    scope_kind = OPERATIONAL

    class Meta:
        verbose_name = _("联系方式")
        verbose_name_plural = _("联系方式")
        constraints = [models.UniqueConstraint(fields=["user", "channel"], name="notify_contact_once")]

    def __str__(self) -> str:
        return f"{self.user} · {Channel(self.channel).label}"


class Reminder(ScopedModel):
    """催办: a command centre urged whoever holds a piece of waiting work (a `core.worklist` item).

    Who urged (`urged_by`, with the name and division as they were), whom (`recipients`: the
    names the source gave, for the record; the notification itself goes through the outbox),
    which item (`kind` + `ref`, with its `title` and `url` as they were), when and with what
    `note`. Scoped on the item's division, so whoever sees the item sees its reminders.
    Append-only: a reminder is never edited.
    """

    kind = models.CharField(_("待办类型"), max_length=40)
    ref = models.CharField(_("待办编号"), max_length=40)
    division = models.ForeignKey("divisions.Division", verbose_name=_("所属区划"), on_delete=models.PROTECT,
                                 related_name="+")
    title = models.CharField(_("待办事项"), max_length=200)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    note = models.TextField(_("催办意见"), blank=True)
    recipients = models.CharField(_("被催办方"), max_length=500, blank=True)
    urged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("催办人"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    urged_by_name = models.CharField(_("催办人姓名"), max_length=150, blank=True)
    urged_from = models.CharField(_("催办单位区划"), max_length=100, blank=True)
    at = models.DateTimeField(_("催办时间"), default=timezone.now)

    scope_lookup = "division__code"
    scope_kind = OPERATIONAL

    class Meta:
        verbose_name = _("催办")
        verbose_name_plural = _("催办")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["kind", "ref"], name="notify_reminder_item")]

    def __str__(self) -> str:
        return f"催办 {self.title}"
