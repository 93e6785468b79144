"""Sharing (信息共享与端口授权): API keys of outside systems, their call log and rate windows,
webhook subscriptions and their delivery log, work-order import sources and runs.

Every row belongs to the division subtree of a key (or of a source): OPERATIONAL, so a town's
command centre sees the keys of its town, the county's those of its towns, and nobody else's.
"""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.scoping import OPERATIONAL, REFERENCE, ScopedModel
from sharing.choices import ImportStatus, SignatureAlgorithm


class ApiKey(ScopedModel):
    """A key issued to an outside system (the 12345 hotline, a department's system, a video platform).

    Stored as the SHA-512 digest of the key text (as knox stores user tokens); the text is shown once.
    `user` is the key's own service account (no role, no password, division = the key's): every
    read through the key is `visible_to(user)` and every report goes through `event_report` as that
    account, so a key reaches exactly its division subtree. `scopes` lists `KeyScope` values;
    `rate_per_minute` counts calls across all web processes (`sharing.keys.count_call`).
    """

    name = models.CharField(_("名称"), max_length=100)
    division = models.ForeignKey("divisions.Division", verbose_name=_("授权区划"), on_delete=models.PROTECT,
                                 related_name="+")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("服务账号"), on_delete=models.PROTECT,
                                related_name="api_key")
    prefix = models.CharField(_("前缀"), max_length=12, db_index=True, help_text=_("密钥的前 8 位，便于识别"))
    digest = models.CharField(_("摘要"), max_length=128, unique=True)
    scopes = models.JSONField(_("权限范围"), default=list)
    expires_at = models.DateTimeField(_("有效期至"))
    rate_per_minute = models.PositiveIntegerField(_("每分钟调用上限"), default=600)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("签发人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("签发时间"), default=timezone.now)
    last_used_at = models.DateTimeField(_("最近调用"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("接口密钥")
        verbose_name_plural = _("接口密钥")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    def allows(self, scope: str) -> bool:
        return scope in (self.scopes or [])


class ApiCall(ScopedModel):
    """One call made with a key (append-only): endpoint, method, status, rows returned, duration."""

    key = models.ForeignKey(ApiKey, verbose_name=_("密钥"), on_delete=models.CASCADE, related_name="calls")
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    method = models.CharField(_("方法"), max_length=8)
    endpoint = models.CharField(_("接口"), max_length=300)
    status = models.PositiveSmallIntegerField(_("状态码"))
    rows = models.PositiveIntegerField(_("返回条数"), default=0)
    duration_ms = models.PositiveIntegerField(_("耗时(毫秒)"), default=0)
    client = models.CharField(_("来源地址"), max_length=64, blank=True)

    scope_lookup = "key__division__code"
    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("接口调用记录")
        verbose_name_plural = _("接口调用记录")
        indexes = [models.Index(fields=["key", "at"], name="sharing_call_key_at")]

    def __str__(self) -> str:
        return f"{self.key_id} {self.method} {self.endpoint} {self.status}"


class RateWindow(ScopedModel):
    """Calls of one key in one minute (`minute` = Unix minute), counted in the database so every web
    process shares the count (one upsert per call)."""

    key = models.ForeignKey(ApiKey, verbose_name=_("密钥"), on_delete=models.CASCADE, related_name="+")
    minute = models.BigIntegerField(_("分钟"), help_text=_("Unix 时间的分钟数"))
    count = models.PositiveIntegerField(_("次数"), default=0)

    scope_lookup = "key__division__code"
    scope_kind = OPERATIONAL

    class Meta:
        verbose_name = _("调用计数")
        verbose_name_plural = _("调用计数")
        constraints = [models.UniqueConstraint(fields=["key", "minute"], name="sharing_one_window")]

    def __str__(self) -> str:
        return f"{self.key_id}@{self.minute}: {self.count}"


class WebhookSubscription(ScopedModel):
    """An outside system's subscription to event changes in its key's subtree.

    `classes` / `states`: filters (event class codes, target states; empty = all). `secret` signs
    each delivery (kept in clear because HMAC needs it, as every webhook sender does; shown once).
    """

    key = models.ForeignKey(ApiKey, verbose_name=_("密钥"), on_delete=models.CASCADE, related_name="subscriptions")
    url = models.URLField(_("回调地址"), max_length=500)
    salt = models.CharField(_("签名盐"), max_length=64, help_text=_("签名密钥由 SECRET_KEY 与此随机盐派生，不存明文"))
    algorithm = models.CharField(_("签名算法"), max_length=10, choices=SignatureAlgorithm.choices,
                                 default=SignatureAlgorithm.SHA256)
    classes = models.JSONField(_("事件类别"), default=list, blank=True)
    states = models.JSONField(_("状态"), default=list, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    scope_lookup = "key__division__code"
    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("事件订阅")
        verbose_name_plural = _("事件订阅")

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(ScopedModel):
    """One attempt to deliver one change (append-only): `delivery_id` is the outbox key, the same on
    every retry and replay, so the receiver can deduplicate."""

    subscription = models.ForeignKey(WebhookSubscription, verbose_name=_("订阅"), on_delete=models.CASCADE,
                                     related_name="deliveries")
    delivery_id = models.CharField(_("投递编号"), max_length=200, db_index=True)
    event_id = models.BigIntegerField(_("事件"))
    at = models.DateTimeField(_("时间"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("响应状态"), null=True, blank=True)
    ok = models.BooleanField(_("成功"), default=False)
    error = models.CharField(_("错误"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时(毫秒)"), default=0)

    scope_lookup = "subscription__key__division__code"
    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("推送记录")
        verbose_name_plural = _("推送记录")

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status_code}"


def default_mapping() -> dict[str, Any]:
    from sharing.imports import DEFAULT_MAPPING

    return dict(DEFAULT_MAPPING)


class ImportSource(ScopedModel):
    """A source of work orders (12345 hotline, another system) with its saved column mapping
    (our field → its header) and its old class codes mapped to GB/T 47678.5 classes."""

    name = models.CharField(_("名称"), max_length=100)
    division = models.ForeignKey("divisions.Division", verbose_name=_("区划"), on_delete=models.PROTECT,
                                 related_name="+")
    mapping = models.JSONField(_("列对应"), default=default_mapping)
    class_map = models.JSONField(_("类别对应"), default=dict, blank=True, help_text=_("{旧编码: 新类别编码}"))
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["name"]
        verbose_name = _("工单来源")
        verbose_name_plural = _("工单来源")
        constraints = [models.UniqueConstraint(fields=["division", "name"], name="sharing_one_source_name")]

    def __str__(self) -> str:
        return self.name


class ImportRun(ScopedModel):
    """One import (or dry run) of a work-order file: progress and the refused rows by line."""

    division = models.ForeignKey("divisions.Division", verbose_name=_("区划"), on_delete=models.PROTECT,
                                 related_name="+")
    source = models.ForeignKey(ImportSource, verbose_name=_("来源"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="runs")
    key = models.ForeignKey(ApiKey, verbose_name=_("密钥"), null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="+")
    filename = models.CharField(_("文件"), max_length=200, blank=True)
    dry_run = models.BooleanField(_("试导入"), default=False)
    status = models.CharField(_("状态"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.RUNNING)
    total = models.PositiveIntegerField(_("总行数"), default=0)
    done = models.PositiveIntegerField(_("已处理"), default=0)
    created = models.PositiveIntegerField(_("新建"), default=0)
    existing = models.PositiveIntegerField(_("已存在"), default=0)
    refused = models.JSONField(_("拒绝的行"), default=list, blank=True, help_text=_("[{line, order_no, reason}]"))
    started_at = models.DateTimeField(_("开始"), default=timezone.now)
    finished_at = models.DateTimeField(_("结束"), null=True, blank=True)

    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("工单导入")
        verbose_name_plural = _("工单导入")

    def __str__(self) -> str:
        return f"{self.filename} {self.status}"


class Open311Service(ScopedModel):
    """How an event class is offered to Open311 clients: published to readers without a key
    (`public`), and the extra questions of its service definition (`attributes`, the
    GeoReport v2 attribute list: [{code, datatype, required, description, order, values}]).

    REFERENCE on the class's division (the city): readable below, written by the city.
    """

    event_class = models.OneToOneField("events.EventClass", verbose_name=_("事件类别"), on_delete=models.CASCADE,
                                       related_name="open311")
    public = models.BooleanField(_("对公众公开"), default=False,
                                 help_text=_("无密钥的 Open311 客户端可看到此类别及其诉求（不含个人信息）"))
    description = models.CharField(_("服务说明"), max_length=300, blank=True)
    group = models.CharField(_("分组"), max_length=50, blank=True)
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)
    attributes = models.JSONField(_("附加问题"), default=list, blank=True)

    scope_lookup = "event_class__division__code"
    scope_kind = REFERENCE

    class Meta:
        ordering = ["event_class__code"]
        verbose_name = _("Open311 服务")
        verbose_name_plural = _("Open311 服务")

    def __str__(self) -> str:
        return str(self.event_class_id)
