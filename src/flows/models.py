"""Process maps (流程图) and cases (办件).

A ProcessMap is one version of an item's BPMN map for a county (or a town that overrides it).
Its XML lives in a content-addressed BpmnDocument so thousands of maps made from one template
share one row, and the imported bytes are kept unchanged for export. A Case runs one map
version for life; its SpiffWorkflow state is stored without the spec (the spec is parsed once
per document and cached in process, see flows.engine).
"""
from __future__ import annotations

import zlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.scoping import GLOBAL, OPERATIONAL, REFERENCE, ScopedModel
from flows.choices import CaseState, LimitUnit, MapStatus


class BpmnDocument(ScopedModel):
    """BPMN 2.0 XML, byte-exact, addressed by its SHA-256 (shared by every map that uses it)."""

    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    xml = models.BinaryField(_("BPMN XML"))
    size = models.PositiveIntegerField(_("字节数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    # Immutable content reached only through a scoped ProcessMap; the hash itself reveals nothing.
    scope_kind = GLOBAL
    scope_lookup = "pk"

    class Meta:
        verbose_name = _("BPMN 文档")
        verbose_name_plural = _("BPMN 文档")

    def __str__(self) -> str:
        return self.sha256[:12]

    @property
    def xml_bytes(self) -> bytes:
        return bytes(self.xml)


class LaneMapping(ScopedModel):
    """Who may act in a lane (or Camunda candidateGroup) of that name: the documented mapping table.

    A user matches when they hold one of `roles` (or `roles` is empty) AND, when `unit_kinds` or
    `unit_names` is set, their unit is of one of those kinds or its name contains one of those
    names. `limit_amount`/`limit_unit` is the default time limit of a step in this lane.
    """

    name = models.CharField(_("泳道/候选组名称"), max_length=50, unique=True)
    roles = models.JSONField(_("角色"), default=list, blank=True)
    unit_kinds = models.JSONField(_("机构类型"), default=list, blank=True)
    unit_names = models.JSONField(_("机构名称（包含）"), default=list, blank=True)
    limit_amount = models.DecimalField(_("默认时限"), max_digits=6, decimal_places=1, null=True, blank=True)
    limit_unit = models.CharField(_("时限单位"), max_length=10, choices=LimitUnit.choices, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    scope_kind = GLOBAL
    scope_lookup = "pk"

    class Meta:
        ordering = ["name"]
        verbose_name = _("泳道映射")
        verbose_name_plural = _("泳道映射")

    def __str__(self) -> str:
        return self.name


class ProcessMap(ScopedModel):
    """One version of an item's process map for a county, or a town's own override."""

    item = models.ForeignKey("catalog.Item", verbose_name=_("事项"), on_delete=models.PROTECT,
                             related_name="process_maps")
    division = models.ForeignKey("divisions.Division", verbose_name=_("发布区划"), on_delete=models.PROTECT,
                                 related_name="+")
    version = models.PositiveIntegerField(_("版本"), default=1)
    status = models.CharField(_("状态"), max_length=10, choices=MapStatus.choices, default=MapStatus.DRAFT,
                              db_index=True)
    name = models.CharField(_("流程名称"), max_length=200, blank=True)
    document = models.ForeignKey(BpmnDocument, verbose_name=_("BPMN 文档"), on_delete=models.PROTECT,
                                 related_name="maps")
    process_id = models.CharField(_("流程 ID"), max_length=100)
    source_name = models.CharField(_("来源文件"), max_length=200, blank=True)
    layout_generated = models.BooleanField(_("布局由平台生成"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    scope_kind = REFERENCE  # a town reads its county's maps; writes stay inside the subtree

    class Meta:
        ordering = ["item_id", "division_id", "-version"]
        verbose_name = _("流程图")
        verbose_name_plural = _("流程图")
        constraints = [
            models.UniqueConstraint(fields=["item", "division", "version"], name="flows_map_unique_version"),
            models.UniqueConstraint(fields=["item", "division"], condition=Q(status="published"),
                                    name="flows_map_one_published"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} v{self.version}（{self.get_status_display()}）"


class Case(ScopedModel):
    """办件: one run of an item's process map in a town, on the map version it started with."""

    number = models.CharField(_("办件编号"), max_length=40, unique=True)
    item = models.ForeignKey("catalog.Item", verbose_name=_("事项"), on_delete=models.PROTECT, related_name="cases")
    division = models.ForeignKey("divisions.Division", verbose_name=_("所属镇街"), on_delete=models.PROTECT,
                                 related_name="+")
    process_map = models.ForeignKey(ProcessMap, verbose_name=_("流程图版本"), on_delete=models.PROTECT,
                                    related_name="cases")
    # The hash of the map's BPMN document, fixed for life: a step finds the cached spec without a join.
    spec_sha = models.CharField(_("流程文档哈希"), max_length=64, default="", editable=False)
    title = models.CharField(_("标题"), max_length=200, blank=True)
    applicant = models.CharField(_("申请人/当事人"), max_length=100, blank=True)
    # No single-column indexes on state, ready_lanes or overdue: every step rewrites them, and each
    # index a step must maintain costs more than the queries gain ((division, state) serves lists).
    state = models.CharField(_("状态"), max_length=10, choices=CaseState.choices, default=CaseState.RUNNING)
    # zlib-compressed JSON of the SpiffWorkflow state WITHOUT the spec (≈5 KB → ≈1 KB per case).
    workflow_state = models.BinaryField(_("流程状态"))
    revision = models.PositiveIntegerField(_("修订号"), default=0)
    # The ready user tasks, cached for lists: [{"id", "spec", "name", "lane", "opened_at", "due_at"}].
    ready_tasks = models.JSONField(_("待办环节"), default=list, blank=True)
    # "|承办人|负责人|": the lanes of the ready tasks, so "my tasks" is one scoped query with a LIKE.
    ready_lanes = models.CharField(_("待办泳道"), max_length=200, blank=True)
    current_step = models.CharField(_("当前环节"), max_length=200, blank=True)
    data = models.JSONField(_("办件数据"), default=dict, blank=True)
    due_at = models.DateTimeField(_("当前环节期限"), null=True, blank=True, db_index=True)
    due_provisional = models.BooleanField(_("期限为暂定"), default=False)
    overdue = models.BooleanField(_("已超期"), default=False)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(_("发起时间"), db_index=True)
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    end_event = models.CharField(_("结束节点"), max_length=100, blank=True)
    idempotency_key = models.CharField(_("幂等键"), max_length=100, null=True, blank=True, unique=True)
    is_synthetic = models.BooleanField(_("合成数据"), default=False)

    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        indexes = [models.Index(fields=["division", "state"], name="flows_case_div_state")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}".strip()

    def state_json(self) -> str:
        return zlib.decompress(bytes(self.workflow_state)).decode("utf-8")


class CaseStep(ScopedModel):
    """A completed step of a case (append-only history): who, when, with which inputs."""

    case = models.ForeignKey(Case, verbose_name=_("办件"), on_delete=models.CASCADE, related_name="steps")
    division = models.ForeignKey("divisions.Division", verbose_name=_("所属镇街"), on_delete=models.PROTECT,
                                 related_name="+")
    seq = models.PositiveIntegerField(_("序号"))
    task_id = models.CharField(_("环节实例 ID"), max_length=36)
    task_spec = models.CharField(_("BPMN 元素 ID"), max_length=100)
    task_name = models.CharField(_("环节"), max_length=200)
    lane = models.CharField(_("泳道"), max_length=50, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("办理人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(_("办理人姓名"), max_length=150, blank=True)
    opened_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完成时间"))
    inputs = models.JSONField(_("填报内容"), default=dict, blank=True)
    comment = models.TextField(_("办理意见"), blank=True)
    due_at = models.DateTimeField(_("期限"), null=True, blank=True)
    overdue = models.BooleanField(_("超期"), default=False)

    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["case_id", "seq"]
        unique_together = [("case", "seq")]
        verbose_name = _("办理环节")
        verbose_name_plural = _("办理环节")

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.task_name}"


class CaseAttachment(ScopedModel):
    """A file attached to a case step, kept in our own storage (MEDIA), never in workflow data."""

    case = models.ForeignKey(Case, verbose_name=_("办件"), on_delete=models.CASCADE, related_name="attachments")
    step = models.ForeignKey(CaseStep, verbose_name=_("环节"), null=True, blank=True, on_delete=models.CASCADE,
                             related_name="attachments")
    division = models.ForeignKey("divisions.Division", verbose_name=_("所属镇街"), on_delete=models.PROTECT,
                                 related_name="+")
    # A path in default_storage (MEDIA_ROOT), kept as text so audit snapshots stay plain JSON.
    path = models.CharField(_("存储路径"), max_length=300)
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["case_id", "id"]
        verbose_name = _("办件附件")
        verbose_name_plural = _("办件附件")

    def __str__(self) -> str:
        return self.name
