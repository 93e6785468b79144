"""Grids (网格), grid teams (一格一长多员), patrols (巡查) and rhythm reports.

Geometry is GeoJSON text in ordinary columns (no PostGIS): WGS84 longitude/latitude. The
in-process spatial index (`grids.locator`) is built from these columns.
"""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.personal import PHONE, PersonalField
from core.roles import COMMAND_ROLES
from core.scoping import OPERATIONAL, ScopedModel
from grids.choices import (
    FindingCategory,
    FindingStatus,
    GridStatus,
    GridType,
    PatrolStatus,
    ReportKind,
    SpecialCategory,
    TeamRole,
    VersionAction,
    WorkerKind,
)


class Grid(ScopedModel):
    """A comprehensive grid (综合网格, division = its village) or a specialised grid (专属网格,
    division = its town; `village` is then the village holding its representative point)."""

    code = models.CharField(_("网格编码"), max_length=30, unique=True)
    name = models.CharField(_("网格名称"), max_length=100)
    type = models.CharField(_("网格类型"), max_length=20, choices=GridType.choices, db_index=True)
    category = models.CharField(_("专属类别"), max_length=20, choices=SpecialCategory.choices, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=GridStatus.choices, default=GridStatus.ACTIVE,
                              db_index=True)
    division = models.ForeignKey("divisions.Division", verbose_name=_("所属区划"), on_delete=models.PROTECT,
                                 related_name="grids")
    village = models.ForeignKey("divisions.Division", verbose_name=_("所在村（社区）"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    geometry = models.TextField(_("边界(GeoJSON)"))
    centroid_lng = models.FloatField(_("代表点经度"))
    centroid_lat = models.FloatField(_("代表点纬度"))
    area_m2 = models.FloatField(_("面积(平方米)"), default=0)
    version = models.PositiveIntegerField(_("版本"), default=1)
    is_synthetic = models.BooleanField(_("合成数据"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    scope_lookup = "division__code"
    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["code"]
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        indexes = [models.Index(fields=["division", "type"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def centroid(self) -> list[float]:
        return [self.centroid_lng, self.centroid_lat]


class GridVersion(ScopedModel):
    """Append-only history: one row per change, holding the geometry *before* it."""

    grid = models.ForeignKey(Grid, verbose_name=_("网格"), on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField(_("变更后版本"))
    action = models.CharField(_("操作"), max_length=10, choices=VersionAction.choices)
    code_before = models.CharField(_("变更前编码"), max_length=30, blank=True)
    geometry_before = models.TextField(_("变更前边界"), blank=True)
    status_before = models.CharField(_("变更前状态"), max_length=10, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    scope_lookup = "grid__division__code"
    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["grid", "-version"]
        verbose_name = _("网格版本")
        verbose_name_plural = _("网格版本")

    def __str__(self) -> str:
        return f"{self.grid_id} v{self.version}"


class GridWorker(ScopedModel):
    """A person on a grid team: full-time or part-time grid worker, or an embedded cadre."""

    name = models.CharField(_("姓名"), max_length=50)
    # Personal data (core.personal): SM4-encrypted at rest, masked everywhere; the command centres
    # who dispatch grid workers may reveal it (each reveal audited).
    phone = PersonalField(_("手机号"), kind=PHONE, reveal_roles=COMMAND_ROLES)
    division = models.ForeignKey("divisions.Division", verbose_name=_("所属村（社区）或乡镇"),
                                 on_delete=models.PROTECT, related_name="grid_workers")
    kind = models.CharField(_("人员类别"), max_length=20, choices=WorkerKind.choices, default=WorkerKind.FULL_TIME)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登录账号"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="grid_workers")
    active = models.BooleanField(_("在岗"), default=True)
    is_synthetic = models.BooleanField(_("合成数据"), default=False)

    scope_lookup = "division__code"
    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["division", "name"]
        verbose_name = _("网格员")
        verbose_name_plural = _("网格员")

    def __str__(self) -> str:
        return self.name


class GridMembership(ScopedModel):
    """One person's role on one grid. Exactly one head per grid (constraint + service check)."""

    grid = models.ForeignKey(Grid, verbose_name=_("网格"), on_delete=models.CASCADE, related_name="memberships")
    worker = models.ForeignKey(GridWorker, verbose_name=_("人员"), on_delete=models.CASCADE,
                               related_name="memberships")
    role = models.CharField(_("职责"), max_length=10, choices=TeamRole.choices, default=TeamRole.MEMBER)
    since = models.DateField(_("起始日期"), null=True, blank=True)

    scope_lookup = "grid__division__code"
    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["grid", "role", "worker"]
        verbose_name = _("网格团队成员")
        verbose_name_plural = _("网格团队成员")
        constraints = [
            models.UniqueConstraint(fields=["grid"], condition=Q(role="head"), name="grids_one_head_per_grid"),
            models.UniqueConstraint(fields=["grid", "worker"], name="grids_one_role_per_worker_and_grid"),
        ]

    def __str__(self) -> str:
        return f"{self.grid_id}:{self.worker_id}:{self.role}"


class Patrol(ScopedModel):
    """One patrol: its track points (`PatrolPoint`, append-only), grids covered, findings."""

    uuid = models.UUIDField(_("客户端编号"), unique=True, default=uuid.uuid4)
    worker = models.ForeignKey(GridWorker, verbose_name=_("巡查人"), on_delete=models.PROTECT, related_name="patrols")
    division = models.ForeignKey("divisions.Division", verbose_name=_("所属区划"), on_delete=models.PROTECT,
                                 related_name="grid_patrols")
    grid = models.ForeignKey(Grid, verbose_name=_("主网格"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="patrols")
    status = models.CharField(_("状态"), max_length=10, choices=PatrolStatus.choices, default=PatrolStatus.ACTIVE)
    started_at = models.DateTimeField(_("开始时间"), db_index=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    point_count = models.PositiveIntegerField(_("轨迹点数"), default=0)  # set when the patrol ends
    duration_s = models.PositiveIntegerField(_("时长(秒)"), default=0)
    distance_m = models.FloatField(_("里程(米)"), default=0)
    grids_covered = models.JSONField(_("途经网格"), default=list, blank=True)
    is_synthetic = models.BooleanField(_("合成数据"), default=False)

    scope_lookup = "division__code"
    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("巡查记录")
        verbose_name_plural = _("巡查记录")

    def __str__(self) -> str:
        return f"{self.worker_id} {self.started_at:%Y-%m-%d %H:%M}"


class PatrolPoint(ScopedModel):
    """One track point, appended and never changed. `seq` is the phone's number for the point
    (or the next free one when it sends none): a retried point with a seq already stored is
    ignored by the unique constraint, so retries never duplicate. The track is the points in
    `seq` order."""

    patrol = models.ForeignKey(Patrol, verbose_name=_("巡查"), on_delete=models.CASCADE, related_name="points")
    seq = models.PositiveIntegerField(_("序号"))
    lng = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))
    t = models.DateTimeField(_("时间"))

    scope_lookup = "patrol__division__code"
    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["patrol", "seq"]
        verbose_name = _("巡查轨迹点")
        verbose_name_plural = _("巡查轨迹点")
        constraints = [models.UniqueConstraint(fields=["patrol", "seq"], name="grids_one_point_per_seq")]

    def __str__(self) -> str:
        return f"{self.patrol_id}#{self.seq}"


class Finding(ScopedModel):
    """Something seen on patrol; the events issue turns these into event reports."""

    uuid = models.UUIDField(_("客户端编号"), unique=True, default=uuid.uuid4)
    patrol = models.ForeignKey(Patrol, verbose_name=_("巡查"), on_delete=models.CASCADE, related_name="findings")
    grid = models.ForeignKey(Grid, verbose_name=_("所在网格"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="findings")
    category = models.CharField(_("类别"), max_length=20, choices=FindingCategory.choices)
    description = models.TextField(_("描述"))
    lng = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))
    # a path in the default storage (MEDIA); kept as text so audit snapshots stay JSON
    photo = models.CharField(_("照片"), max_length=255, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=FindingStatus.choices,
                              default=FindingStatus.UNREPORTED, db_index=True)
    found_at = models.DateTimeField(_("发现时间"))
    is_synthetic = models.BooleanField(_("合成数据"), default=False)

    scope_lookup = "patrol__division__code"
    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["-found_at"]
        verbose_name = _("巡查发现")
        verbose_name_plural = _("巡查发现")

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.description[:20]}"


class GridReport(ScopedModel):
    """A generated weekly analysis or monthly summary (xlsx + PDF) for a town, county or city."""

    kind = models.CharField(_("报告类型"), max_length=10, choices=ReportKind.choices)
    division = models.ForeignKey("divisions.Division", verbose_name=_("区划"), on_delete=models.PROTECT,
                                 related_name="grid_reports")
    period_start = models.DateField(_("起始日期"))
    period_end = models.DateField(_("截止日期"))
    title = models.CharField(_("标题"), max_length=200)
    summary = models.JSONField(_("摘要"), default=dict, blank=True)
    xlsx = models.CharField(_("Excel 文件"), max_length=255, blank=True)  # path in the default storage
    pdf = models.CharField(_("PDF 文件"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    scope_lookup = "division__code"
    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["-period_end", "division"]
        verbose_name = _("网格报告")
        verbose_name_plural = _("网格报告")
        constraints = [models.UniqueConstraint(fields=["kind", "division", "period_start"],
                                               name="grids_one_report_per_period")]

    def __str__(self) -> str:
        return self.title
