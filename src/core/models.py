"""Core models: the audit log, cache generations and the working calendar."""
from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.roles import Role, has_role
from core.scoping import GLOBAL, OPERATIONAL, ScopedManager, ScopedModel, ScopedQuerySet


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an append-only row."""


class AuditQuerySet(ScopedQuerySet):
    """Append-only: `update()` and `delete()` refuse. Only `core.auditchain` seals rows (its own
    UPDATE of the two seal columns) and purges sealed rows past the retention period."""

    def update(self, **kwargs):  # noqa: ANN001, ANN201
        raise AppendOnlyError("审计日志只能追加，不能修改")

    def delete(self):  # noqa: ANN201
        raise AppendOnlyError("审计日志只能追加，不能删除")

    def visible_to(self, user: Any) -> AuditQuerySet:
        """The user's subtree, and only for `core.audit.READER_ROLES` (nothing for anyone else); the
        audit administrator (三员分立: no division, reads the whole trail, changes nothing) sees all."""
        from core.audit import READER_ROLES

        if not has_role(user, READER_ROLES):
            return self.none()
        if Role.AUDIT_ADMIN in (getattr(user, "roles", None) or ()):
            return self.all()
        return super().visible_to(user)  # type: ignore[return-value]


class AuditManager(ScopedManager.from_queryset(AuditQuerySet)):  # type: ignore[misc]
    pass


class AuditLog(ScopedModel):
    """Who changed what, when, with the row before and after (append-only).

    `seal_seq` / `seal_hash` are empty when the row is written and filled by the sealing job
    (`core.auditchain.seal`): the row's position in the HMAC-SM3 chain and its chain hash.
    """

    ACTIONS = [("create", _("新增")), ("update", _("修改")), ("delete", _("删除")),
               ("login", _("登录")), ("login_fail", _("登录失败")), ("lockout", _("登录锁定")),
               ("logout", _("退出登录")), ("token_new", _("签发令牌")), ("token_del", _("吊销令牌")),
               ("password", _("设置密码")), ("roles", _("变更角色")), ("otp_add", _("绑定动态口令")),
               ("otp_fail", _("动态口令错误")), ("otp_del", _("删除动态口令")), ("unlock", _("解除锁定")),
               ("reveal", _("查看个人信息明文")), ("purge", _("清理过期审计")), ("rekey", _("个人信息重新加密"))]

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor_id = models.BigIntegerField(_("操作人ID"), null=True, blank=True)
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    source = models.CharField(_("来源"), max_length=20, default="system")
    action = models.CharField(_("动作"), max_length=30, choices=ACTIONS)
    model = models.CharField(_("对象类型"), max_length=100)
    object_id = models.CharField(_("对象ID"), max_length=64)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=500, blank=True)
    division_code = models.CharField(_("所属区划"), max_length=12, blank=True)
    seal_seq = models.BigIntegerField(_("链序号"), null=True, blank=True, editable=False)
    seal_hash = models.CharField(_("链哈希(HMAC-SM3)"), max_length=64, blank=True, default="", editable=False)

    scope_lookup = "division_code"
    scope_kind = OPERATIONAL

    objects: ClassVar[AuditManager] = AuditManager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        # Few indexes on purpose: every write in the platform inserts here. (division_code, at) serves
        # scoped reads, (model, object_id) an object's history. The two seal indexes are partial, so
        # an insert (seal_seq still NULL) touches only the small "unsealed" one, which the sealing
        # job empties again; the chain order index is maintained by the sealer, never by a write.
        indexes = [models.Index(fields=["division_code", "at"], name="audit_div_at"),
                   models.Index(fields=["model", "object_id"], name="audit_model_object"),
                   models.Index(fields=["id"], condition=Q(seal_seq__isnull=True), name="audit_unsealed")]
        constraints = [models.UniqueConstraint(fields=["seal_seq"], condition=Q(seal_seq__isnull=False),
                                               name="audit_seal_seq_unique")]

    def save(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        if self.pk is not None:
            raise AppendOnlyError("审计日志只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        raise AppendOnlyError("审计日志只能追加，不能删除")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.model}#{self.object_id}"




class AuditAnchor(ScopedModel):
    """A checkpoint of the audit chain, kept outside the audit table (and in a file, see
    `core.auditchain`): after sealing rows `seq_from`..`seq_to`, the chain hash was `chain_hash`.

    `kind` is `seal` (written by the sealing job) or `purge` (rows up to `seq_to` were removed
    after the retention period; verification starts from here). Append-only.
    """

    KINDS = [("seal", _("封存")), ("purge", _("清理"))]

    kind = models.CharField(_("类型"), max_length=10, choices=KINDS, default="seal")
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    seq_from = models.BigIntegerField(_("起始链序号"))
    seq_to = models.BigIntegerField(_("截止链序号"))
    first_id = models.BigIntegerField(_("首条审计ID"), null=True)
    last_id = models.BigIntegerField(_("末条审计ID"), null=True)
    rows = models.PositiveIntegerField(_("行数"), default=0)
    chain_hash = models.CharField(_("链哈希"), max_length=64)
    oldest_at = models.DateTimeField(_("最早记录时间"), null=True)
    newest_at = models.DateTimeField(_("最晚记录时间"), null=True)

    # The chain covers every division; an anchor says nothing of any row but a hash.
    scope_kind = GLOBAL
    scope_lookup = "pk"

    objects: ClassVar[AuditManager] = AuditManager()

    class Meta:
        ordering = ["seq_to", "id"]
        verbose_name = _("审计链锚点")
        verbose_name_plural = _("审计链锚点")
        constraints = [models.UniqueConstraint(fields=["kind", "seq_to"], name="audit_anchor_kind_seq")]

    def save(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        if self.pk is not None:
            raise AppendOnlyError("审计链锚点只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        raise AppendOnlyError("审计链锚点只能追加，不能删除")

    def __str__(self) -> str:
        return f"{self.kind} {self.seq_from}-{self.seq_to} {self.chain_hash[:12]}"


class CacheGeneration(models.Model):
    """A counter per in-process cache; bumping it makes every process rebuild (see core.cachegen)."""

    name = models.CharField(max_length=100, primary_key=True)
    generation = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("缓存版本")
        verbose_name_plural = _("缓存版本")

    def __str__(self) -> str:
        return f"{self.name}@{self.generation}"


class CalendarDay(ScopedModel):
    """A published exception to the Monday–Friday week: a holiday or a make-up working day (调休)."""

    KINDS = [("holiday", _("法定节假日")), ("workday", _("调休上班"))]

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=KINDS)
    name = models.CharField(_("名称"), max_length=50)

    scope_kind = GLOBAL
    scope_lookup = "pk"

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")

    def __str__(self) -> str:
        return f"{self.date} {self.name} {self.get_kind_display()}"


class CalendarYear(ScopedModel):
    """A year whose State Council arrangement is loaded; other years are provisional."""

    year = models.PositiveIntegerField(_("年份"), unique=True)
    source = models.CharField(_("来源"), max_length=200, blank=True)

    scope_kind = GLOBAL
    scope_lookup = "pk"

    class Meta:
        ordering = ["year"]
        verbose_name = _("已发布年度")
        verbose_name_plural = _("已发布年度")

    def __str__(self) -> str:
        return str(self.year)
