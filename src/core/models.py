"""Core models: the audit log, cache generations and the working calendar."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.scoping import GLOBAL, OPERATIONAL, ScopedModel, ScopedQuerySet


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an append-only row."""


class AuditQuerySet(ScopedQuerySet):
    def update(self, **kwargs):  # noqa: ANN001, ANN201
        raise AppendOnlyError("审计日志只能追加，不能修改")

    def delete(self):  # noqa: ANN201
        raise AppendOnlyError("审计日志只能追加，不能删除")


class AuditLog(ScopedModel):
    """Who changed what, when, with the row before and after (append-only)."""

    ACTIONS = [("create", _("新增")), ("update", _("修改")), ("delete", _("删除"))]

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor_id = models.BigIntegerField(_("操作人ID"), null=True, blank=True)
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    source = models.CharField(_("来源"), max_length=20, default="system")
    action = models.CharField(_("动作"), max_length=10, choices=ACTIONS)
    model = models.CharField(_("对象类型"), max_length=100)
    object_id = models.CharField(_("对象ID"), max_length=64)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=500, blank=True)
    division_code = models.CharField(_("所属区划"), max_length=12, blank=True)

    scope_lookup = "division_code"
    scope_kind = OPERATIONAL

    objects = models.Manager.from_queryset(AuditQuerySet)()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        # Few indexes on purpose: every write in the platform inserts here. (division_code, at) serves
        # scoped reads, (model, object_id) an object's history.
        indexes = [models.Index(fields=["division_code", "at"], name="audit_div_at"),
                   models.Index(fields=["model", "object_id"], name="audit_model_object")]

    def save(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        if self.pk is not None:
            raise AppendOnlyError("审计日志只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        raise AppendOnlyError("审计日志只能追加，不能删除")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.model}#{self.object_id}"




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
