"""Assessment (考核评价): indicator definitions and schemes as dated versions, stored results with the
version they were computed with, revisions, dual management records and stored reports.

- DatedVersion (abstract): the shape both kinds of configuration share — division (city or county),
  subject type, `valid_from`, version number, who recorded it — and `objects.in_force(county, on)`.
- IndicatorVersion (REFERENCE on the city or a county): one definition of an indicator from a date —
  numerator and denominator fact (`assess.facts`), direction, documentation. A county's own version
  overrides the city's from its `valid_from`. Rows are never edited once a result uses them.
- SchemeVersion (REFERENCE): weights of indicators for a subject type, grade bounds, and for a
  stationed body the host town's share (≥ 50 %), from a date.
- Result (OPERATIONAL on the subject's division): numerator, denominator and value of one indicator
  for one subject and period, with its version, `as_of` (facts read up to then) and `revision`.
  Append-only: a later computation that differs (late facts, a new version) adds revision n+1.
- Score (OPERATIONAL): a scheme's score and grade for a subject and period (append-only revisions too).
- Run (OPERATIONAL): one computation (scheduled or on demand) with its progress.
- StationedDispatch (调度权), AppointmentSuggestion (任免建议权), DualScore (the town's and the home
  department's assessment of a stationed body, combined by the scheme's share).
- AssessReport: weekly analysis / monthly summary files (xlsx + PDF).
"""
from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assess.choices import (
    Assessor,
    Direction,
    PeriodKind,
    ReportKind,
    RevisionReason,
    RunStatus,
    SubjectType,
)
from core.scoping import OPERATIONAL, REFERENCE, ScopedModel, ScopedQuerySet


class DatedVersionQuerySet(ScopedQuerySet):
    def in_force(self, county: str, on: dt.date) -> list[Any]:
        """The rows valid on `on` for `county` — its own and its city's — in the order they take
        effect: the city's by `valid_from`, then the county's by `valid_from`. The last row of a key
        (indicator code, subject type) is the one in force: a county's own version overrides the
        city's from its date. For a city code, the city's rows by date."""
        city = county[:4] + "0" * 8
        rows = self.filter(valid_from__lte=on, division_id__in=[county, city])
        return sorted(rows, key=lambda v: (v.division_id == county, v.valid_from))


class DatedVersionManager(models.Manager.from_queryset(DatedVersionQuerySet)):  # type: ignore[misc]
    pass


class DatedVersion(ScopedModel):
    """A piece of assessment configuration in force from `valid_from` for `division` (the city,
    or a county overriding the city's), numbered `version`; who recorded it and when. Rows are
    never edited: a change is a new row from a date, and stored results and scores keep the row
    they were computed with. `objects.in_force(county, on)` orders the rows by precedence."""

    division = models.ForeignKey("divisions.Division", verbose_name=_("制定区划"), on_delete=models.PROTECT,
                                 related_name="+")
    subject_type = models.CharField(_("考核对象"), max_length=20, choices=SubjectType.choices)
    valid_from = models.DateField(_("生效日期"))
    version = models.PositiveIntegerField(_("版本"), default=1)
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    scope_kind = REFERENCE

    objects: ClassVar[DatedVersionManager] = DatedVersionManager()

    class Meta:
        abstract = True


class IndicatorVersion(DatedVersion):
    """One definition of indicator `code` in force from `valid_from` for `division` (city or county)."""

    code = models.CharField(_("指标编码"), max_length=40)
    name = models.CharField(_("指标名称"), max_length=60)
    numerator = models.CharField(_("分子口径"), max_length=40)
    denominator = models.CharField(_("分母口径"), max_length=40)
    direction = models.CharField(_("方向"), max_length=10, choices=Direction.choices, default=Direction.HIGHER)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        ordering = ["code", "division_id", "valid_from"]
        verbose_name = _("指标定义版本")
        verbose_name_plural = _("指标定义版本")
        constraints = [models.UniqueConstraint(fields=["division", "code", "valid_from"],
                                               name="assess_one_definition_per_day")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}（{self.valid_from}起）"


class SchemeVersion(DatedVersion):
    """Weights (percent, summing to 100) of indicators for a subject type from `valid_from`.

    `weights` = {indicator code: weight}; `grades` = [[letter, lower bound], …] highest first;
    `town_share` (stationed bodies only) = the host town's percent of the annual score (≥ 50)."""

    name = models.CharField(_("方案名称"), max_length=100)
    weights = models.JSONField(_("指标权重"), default=dict)
    grades = models.JSONField(_("等次划分"), default=list)
    town_share = models.PositiveSmallIntegerField(_("属地乡镇考核权重(%)"), null=True, blank=True)

    class Meta:
        ordering = ["subject_type", "division_id", "valid_from"]
        verbose_name = _("考核方案版本")
        verbose_name_plural = _("考核方案版本")
        constraints = [models.UniqueConstraint(fields=["division", "subject_type", "valid_from"],
                                               name="assess_one_scheme_per_day")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Result(ScopedModel):
    """numerator / denominator of one indicator for one subject and period (append-only)."""

    division = models.ForeignKey("divisions.Division", verbose_name=_("所属区划"), on_delete=models.PROTECT,
                                 related_name="+")
    subject_type = models.CharField(_("考核对象"), max_length=20, choices=SubjectType.choices)
    subject_key = models.CharField(_("对象标识"), max_length=20)
    subject_name = models.CharField(_("对象名称"), max_length=150)
    period_kind = models.CharField(_("周期"), max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField(_("周期起"))
    period_end = models.DateField(_("周期止（不含）"))
    indicator = models.ForeignKey(IndicatorVersion, verbose_name=_("指标定义版本"), on_delete=models.PROTECT,
                                  related_name="results")
    code = models.CharField(_("指标编码"), max_length=40)
    numerator = models.PositiveIntegerField(_("分子"))
    denominator = models.PositiveIntegerField(_("分母"))
    value = models.DecimalField(_("指标值"), max_digits=9, decimal_places=6, null=True, blank=True)
    revision = models.PositiveSmallIntegerField(_("修订版次"), default=1)
    reason = models.CharField(_("版次原因"), max_length=20, choices=RevisionReason.choices,
                              default=RevisionReason.FIRST)
    as_of = models.DateTimeField(_("事实截至"))
    computed_at = models.DateTimeField(_("计算时间"), default=timezone.now)
    run = models.ForeignKey("Run", verbose_name=_("计算批次"), null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="+")

    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["period_start", "subject_type", "subject_key", "code", "revision"]
        verbose_name = _("指标结果")
        verbose_name_plural = _("指标结果")
        constraints = [models.UniqueConstraint(
            fields=["subject_type", "subject_key", "period_kind", "period_start", "code", "revision"],
            name="assess_one_result_revision")]
        indexes = [models.Index(fields=["period_kind", "period_start", "division"], name="assess_result_period")]

    def __str__(self) -> str:
        return f"{self.subject_name} {self.code} {self.period_start} r{self.revision}"


class Score(ScopedModel):
    """A scheme's score (0–100) and grade for one subject and period (append-only revisions).
    `components` = [{code, name, weight, value, score, result}] — the results it was built from."""

    division = models.ForeignKey("divisions.Division", verbose_name=_("所属区划"), on_delete=models.PROTECT,
                                 related_name="+")
    subject_type = models.CharField(_("考核对象"), max_length=20, choices=SubjectType.choices)
    subject_key = models.CharField(_("对象标识"), max_length=20)
    subject_name = models.CharField(_("对象名称"), max_length=150)
    period_kind = models.CharField(_("周期"), max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField(_("周期起"))
    scheme = models.ForeignKey(SchemeVersion, verbose_name=_("考核方案版本"), on_delete=models.PROTECT,
                               related_name="scores")
    score = models.DecimalField(_("得分"), max_digits=6, decimal_places=2)
    grade = models.CharField(_("等次"), max_length=4)
    components = models.JSONField(_("构成"), default=list)
    revision = models.PositiveSmallIntegerField(_("修订版次"), default=1)
    computed_at = models.DateTimeField(_("计算时间"), default=timezone.now)

    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["period_start", "subject_type", "-score"]
        verbose_name = _("考核得分")
        verbose_name_plural = _("考核得分")
        constraints = [models.UniqueConstraint(
            fields=["subject_type", "subject_key", "period_kind", "period_start", "revision"],
            name="assess_one_score_revision")]

    def __str__(self) -> str:
        return f"{self.subject_name} {self.period_start} {self.score}"


class Run(ScopedModel):
    """One computation of every indicator for a division's subjects and one period."""

    division = models.ForeignKey("divisions.Division", verbose_name=_("范围"), on_delete=models.PROTECT,
                                 related_name="+")
    period_kind = models.CharField(_("周期"), max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField(_("周期起"))
    status = models.CharField(_("状态"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    done = models.PositiveIntegerField(_("已完成步数"), default=0)
    total = models.PositiveIntegerField(_("总步数"), default=0)
    stored = models.PositiveIntegerField(_("新存结果数"), default=0)
    error = models.TextField(_("错误"), blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("发起时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("计算批次")
        verbose_name_plural = _("计算批次")

    def __str__(self) -> str:
        return f"{self.division_id} {self.period_kind} {self.period_start} {self.status}"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else (100 if self.status == RunStatus.DONE else 0)


class StationedDispatch(ScopedModel):
    """调度权: the host town dispatches a stationed body (and optionally named staff) to a task; it
    counts in the body's score (`stationed_tasks_on_time`). `division` = the host town."""

    division = models.ForeignKey("divisions.Division", verbose_name=_("属地乡镇"), on_delete=models.PROTECT,
                                 related_name="+")
    unit = models.ForeignKey("org.Unit", verbose_name=_("派驻机构"), on_delete=models.PROTECT, related_name="+")
    staff = models.ManyToManyField("org.Staff", verbose_name=_("调度人员"), blank=True, related_name="+")
    task = models.CharField(_("任务"), max_length=200)
    due_at = models.DateTimeField(_("完成时限"))
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    result = models.TextField(_("完成情况"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("调度人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("调度时间"), default=timezone.now)

    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("派驻机构调度")
        verbose_name_plural = _("派驻机构调度")

    def __str__(self) -> str:
        return self.task


class AppointmentSuggestion(ScopedModel):
    """任免建议权: the host town's suggestion about a stationed body's head, sent to the home
    department, which must answer by `answer_due` (working days); unanswered past due is flagged."""

    division = models.ForeignKey("divisions.Division", verbose_name=_("属地乡镇"), on_delete=models.PROTECT,
                                 related_name="+")
    unit = models.ForeignKey("org.Unit", verbose_name=_("派驻机构"), on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("org.Unit", verbose_name=_("派出部门"), on_delete=models.PROTECT,
                                   related_name="+")
    head = models.ForeignKey("org.Staff", verbose_name=_("负责人"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    suggestion = models.TextField(_("建议内容"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提出人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    answer_due = models.DateTimeField(_("答复时限"))
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answer = models.TextField(_("答复"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("答复人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("任免建议")
        verbose_name_plural = _("任免建议")

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.suggestion[:20]}"

    def overdue(self, now: object = None) -> bool:
        moment = now or timezone.now()
        return self.answered_at is None and self.answer_due < moment  # type: ignore[operator]


class DualScore(ScopedModel):
    """One side's annual assessment of a stationed body or one of its staff (`staff`) (双重管理): the
    host town or the home department, 0–100. Combined by the stationed scheme's `town_share` (`selectors.dual_annual`)."""

    division = models.ForeignKey("divisions.Division", verbose_name=_("属地乡镇"), on_delete=models.PROTECT,
                                 related_name="+")
    unit = models.ForeignKey("org.Unit", verbose_name=_("派驻机构"), on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey("org.Staff", verbose_name=_("派驻人员（空为机构）"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    assessor = models.CharField(_("考核方"), max_length=12, choices=Assessor.choices)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=2)
    note = models.TextField(_("说明"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["year", "unit_id", "assessor"]
        verbose_name = _("双重管理评分")
        verbose_name_plural = _("双重管理评分")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "assessor"], condition=models.Q(staff__isnull=True),
                                    name="assess_one_dual_score_per_body"),
            models.UniqueConstraint(fields=["staff", "year", "assessor"], condition=models.Q(staff__isnull=False),
                                    name="assess_one_dual_score_per_staff"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year} {self.assessor} {self.score}"


class AssessReport(ScopedModel):
    """A weekly analysis or monthly summary for a town, county or the city (xlsx + PDF paths)."""

    division = models.ForeignKey("divisions.Division", verbose_name=_("区划"), on_delete=models.PROTECT,
                                 related_name="+")
    kind = models.CharField(_("类型"), max_length=10, choices=ReportKind.choices)
    period_start = models.DateField(_("周期起"))
    period_end = models.DateField(_("周期止（不含）"))
    title = models.CharField(_("标题"), max_length=200)
    xlsx = models.CharField(_("Excel文件"), max_length=255)
    pdf = models.CharField(_("PDF文件"), max_length=255)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)

    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["-period_start", "division_id"]
        verbose_name = _("考核报告")
        verbose_name_plural = _("考核报告")
        constraints = [models.UniqueConstraint(fields=["division", "kind", "period_start"],
                                               name="assess_one_report_per_period")]

    # A failed on-demand build marks the title (the row has no status column; see `status`).
    FAILED_MARK = "【生成失败】"

    def __str__(self) -> str:
        return self.title

    @property
    def status(self) -> str:
        """"done" (both files stored), "failed" (the last build failed: title starts with
        `FAILED_MARK`), else "pending" (requested: queued for or being built by the worker)."""
        if self.xlsx and self.pdf:
            return "done"
        return "failed" if self.title.startswith(self.FAILED_MARK) else "pending"
