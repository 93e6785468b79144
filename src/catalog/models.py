"""Catalog of powers and responsibilities (权责清单).

- Item (权力事项): one power from the province guidance catalog, global reference data.
- ItemList / ListVersion (清单): a county's uniform approval-service or enforcement list and each
  town's adoption of it. History is append-only: a version is a delta (items listed or removed)
  with an effective date and the time it was recorded; the list in force on a date is the replay
  of every version effective on or before it (selectors.list_items_as_of).
- Matter / Responsibility (职责事项, 主体责任/配合责任): who answers for a matter in a town, as
  dated intervals so a return approved today can take effect next month without another write.
- Admission (交办事项准入) and Assignment (交办): a county task reaches a town only when admitted.
- PowerChange (赋权/调整/退还): reviewed procedures that change a town's list.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog.choices import (
    LIST_KIND_OF_ITEM,
    AdmissionState,
    ChangeKind,
    ChangeState,
    EntryOp,
    Holder,
    ItemKind,
    ListKind,
    ReturnReason,
    VersionSource,
)
from core.scoping import GLOBAL, OPERATIONAL, REFERENCE, ScopedModel


class Item(ScopedModel):
    """A power (权力事项) from the province's guidance catalog, with its legal basis.

    Items are province-wide reference data (GLOBAL): every signed-in user reads them; which
    town holds which item is decided by the versioned lists.
    """

    code = models.CharField(_("事项编码"), max_length=30, unique=True)
    name = models.CharField(_("事项名称"), max_length=200)
    kind = models.CharField(_("事项类型"), max_length=20, choices=ItemKind.choices, db_index=True)
    legal_basis = models.TextField(_("法律依据"))
    department_code = models.CharField(_("主管部门代码"), max_length=20, db_index=True,
                                       help_text=_("县级部门代码，见 org/data/county_departments.csv"))
    guidance_entry = models.CharField(_("指导目录条目"), max_length=50, blank=True)
    domain = models.CharField(_("领域"), max_length=20, blank=True)
    delegable = models.BooleanField(_("可赋权乡镇"), default=True)
    is_routine = models.BooleanField(_("常办事项"), default=True, help_text=_("常办事项须有流程图"))
    is_synthetic = models.BooleanField(_("合成数据"), default=False)

    scope_kind = GLOBAL
    scope_lookup = "pk"

    class Meta:
        ordering = ["code"]
        verbose_name = _("权力事项")
        verbose_name_plural = _("权力事项")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def list_kind(self) -> str:
        return LIST_KIND_OF_ITEM[ItemKind(self.kind)]


class ItemList(ScopedModel):
    """A division's approval-service or enforcement list. A town list adopts its county's (`base`)."""

    division = models.ForeignKey("divisions.Division", verbose_name=_("区划"), on_delete=models.PROTECT,
                                 related_name="item_lists")
    kind = models.CharField(_("清单类型"), max_length=20, choices=ListKind.choices)
    base = models.ForeignKey("self", verbose_name=_("承接的县级清单"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="adoptions")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    scope_kind = REFERENCE

    class Meta:
        ordering = ["division_id", "kind"]
        unique_together = [("division", "kind")]
        verbose_name = _("清单")
        verbose_name_plural = _("清单")

    def __str__(self) -> str:
        return f"{self.division.name}{self.get_kind_display()}"

    @property
    def is_town_list(self) -> bool:
        return self.base_id is not None


class ListVersion(ScopedModel):
    """One change to a list: items listed or removed, effective on a date, recorded at a time.

    `entries` is `[{"item": code, "op": "add"|"remove", "reason": str}]`. Rows are never edited
    after they are written (append-only history); a correction is a new version.
    """

    item_list = models.ForeignKey(ItemList, verbose_name=_("清单"), on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    effective_date = models.DateField(_("生效日期"), db_index=True)
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    source = models.CharField(_("变更来源"), max_length=20, choices=VersionSource.choices)
    reason = models.TextField(_("变更理由"))
    entries = models.JSONField(_("变更内容"), default=list)
    change = models.ForeignKey("PowerChange", verbose_name=_("对应程序"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="list_versions")
    recorded_by = models.CharField(_("登记人"), max_length=150, blank=True)

    scope_kind = REFERENCE
    scope_lookup = "item_list__division__code"

    class Meta:
        ordering = ["item_list_id", "number"]
        unique_together = [("item_list", "number")]
        verbose_name = _("清单版本")
        verbose_name_plural = _("清单版本")

    def __str__(self) -> str:
        return f"{self.item_list} 第{self.number}版（{self.effective_date}起）"


class Matter(ScopedModel):
    """A duty (职责事项) split between county departments and towns (Yangzhou: 713)."""

    code = models.CharField(_("职责编码"), max_length=30, unique=True)
    name = models.CharField(_("职责名称"), max_length=200)
    domain = models.CharField(_("领域"), max_length=20, blank=True, db_index=True)
    item = models.ForeignKey(Item, verbose_name=_("对应权力事项"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="matters")
    department_code = models.CharField(_("牵头县级部门代码"), max_length=20, db_index=True)
    default_holder = models.CharField(_("默认主体责任方"), max_length=10, choices=Holder.choices, default=Holder.TOWN)
    town_body = models.CharField(_("乡镇承办机构"), max_length=50, blank=True,
                                 help_text=_("主体责任在乡镇时，通常承办的机构名称"))
    description = models.TextField(_("职责说明"), blank=True)
    is_synthetic = models.BooleanField(_("合成数据"), default=False)

    scope_kind = GLOBAL
    scope_lookup = "pk"

    class Meta:
        ordering = ["code"]
        verbose_name = _("职责事项")
        verbose_name_plural = _("职责事项")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Responsibility(ScopedModel):
    """Who answers for a matter in one town, from `valid_from` until `valid_to` (exclusive).

    The row in force has `valid_to` null or later than the day asked about. Rows are closed,
    not edited, when the answer changes (a return closes the town's row and opens the county
    department's on the effective date).
    """

    division = models.ForeignKey("divisions.Division", verbose_name=_("乡镇（街道）"), on_delete=models.PROTECT,
                                 related_name="+")
    matter = models.ForeignKey(Matter, verbose_name=_("职责事项"), on_delete=models.PROTECT,
                               related_name="responsibilities")
    main_unit = models.ForeignKey("org.Unit", verbose_name=_("主体责任单位"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="main_responsibilities")
    cooperating_units = models.ManyToManyField("org.Unit", verbose_name=_("配合责任单位"), blank=True,
                                               related_name="cooperating_responsibilities")
    valid_from = models.DateField(_("起始日期"), null=True, blank=True)
    valid_to = models.DateField(_("截止日期（不含）"), null=True, blank=True, db_index=True)
    change = models.ForeignKey("PowerChange", verbose_name=_("对应程序"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="responsibilities")
    note = models.CharField(_("备注"), max_length=200, blank=True)

    scope_kind = REFERENCE

    class Meta:
        ordering = ["division_id", "matter_id", "valid_from"]
        indexes = [models.Index(fields=["division", "matter"])]
        verbose_name = _("职责分工")
        verbose_name_plural = _("职责分工")

    def __str__(self) -> str:
        return f"{self.division_id} {self.matter.code}"


class Admission(ScopedModel):
    """A county department's request to hand a new task to towns (交办事项准入)."""

    division = models.ForeignKey("divisions.Division", verbose_name=_("县（市、区）"), on_delete=models.PROTECT,
                                 related_name="+")
    code = models.CharField(_("准入编号"), max_length=40, unique=True)
    department = models.ForeignKey("org.Unit", verbose_name=_("申请部门"), on_delete=models.PROTECT,
                                   related_name="admissions")
    title = models.CharField(_("交办任务"), max_length=200)
    description = models.TextField(_("任务内容"), blank=True)
    legal_basis = models.TextField(_("法律政策依据"))
    staff = models.PositiveIntegerField(_("随交人员（人）"), default=0)
    funds = models.DecimalField(_("随交经费（万元）"), max_digits=12, decimal_places=2, default=0)
    systems = models.CharField(_("随交信息系统/权限"), max_length=300, blank=True)
    towns = models.ManyToManyField("divisions.Division", verbose_name=_("承接乡镇"), blank=True, related_name="+",
                                   help_text=_("留空表示本县全部乡镇（街道）"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=20, choices=AdmissionState.choices,
                             default=AdmissionState.SUBMITTED, db_index=True)
    history = models.JSONField(_("审核记录"), default=list)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    scope_kind = REFERENCE  # county rows: its towns may read them (what was admitted), never write

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("交办事项准入")
        verbose_name_plural = _("交办事项准入")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Assignment(ScopedModel):
    """A task handed to one town (交办), allowed only under an approved admission."""

    division = models.ForeignKey("divisions.Division", verbose_name=_("承接乡镇"), on_delete=models.PROTECT,
                                 related_name="+")
    admission = models.ForeignKey(Admission, verbose_name=_("准入"), on_delete=models.PROTECT,
                                  related_name="assignments")
    department = models.ForeignKey("org.Unit", verbose_name=_("交办部门"), on_delete=models.PROTECT,
                                   related_name="+")
    title = models.CharField(_("交办内容"), max_length=200)
    detail = models.TextField(_("说明"), blank=True)
    due_date = models.DateField(_("完成时限"), null=True, blank=True)
    created_at = models.DateTimeField(_("交办时间"), auto_now_add=True)

    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("交办任务")
        verbose_name_plural = _("交办任务")

    def __str__(self) -> str:
        return self.title


class PowerChange(ScopedModel):
    """Delegation (赋权), adjustment (调整) or return (退还) of one item for one town.

    States: submitted → dept_reviewed → approved → in_force, or returned (back to the filer,
    who resubmits), rejected, withdrawn. Approval writes the list version and the
    responsibility intervals, dated `effective_date`; `in_force` is set by the daily sweep.
    """

    division = models.ForeignKey("divisions.Division", verbose_name=_("乡镇（街道）"), on_delete=models.PROTECT,
                                 related_name="+")
    kind = models.CharField(_("程序"), max_length=20, choices=ChangeKind.choices, db_index=True)
    op = models.CharField(_("方向"), max_length=10, choices=EntryOp.choices)
    item = models.ForeignKey(Item, verbose_name=_("权力事项"), on_delete=models.PROTECT, related_name="changes")
    department = models.ForeignKey("org.Unit", verbose_name=_("县级主管部门"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    reason_category = models.CharField(_("退还原因类别"), max_length=20, choices=ReturnReason.choices, blank=True)
    reason = models.TextField(_("理由"))
    evidence = models.TextField(_("佐证材料说明"), blank=True,
                                help_text=_("佐证材料本身以文件上传（ChangeEvidence）"))
    legal_reviewer = models.CharField(_("合法性审查人"), max_length=100, blank=True)
    legal_opinion = models.TextField(_("合法性审查意见"), blank=True)
    legal_review_date = models.DateField(_("合法性审查日期"), null=True, blank=True)
    effective_date = models.DateField(_("生效日期"))
    handover_plan = models.TextField(_("在办事项移交方案"), blank=True)
    open_work = models.JSONField(_("在办事项"), default=list, blank=True)
    state = models.CharField(_("状态"), max_length=20, choices=ChangeState.choices, default=ChangeState.SUBMITTED,
                             db_index=True)
    history = models.JSONField(_("办理记录"), default=list)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申报人"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("申报时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("赋权/调整/退还")
        verbose_name_plural = _("赋权/调整/退还")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}·{self.item.name}"


class ChangeEvidence(ScopedModel):
    """A supporting document (佐证材料) of a procedure, uploaded as a file.

    The bytes live in MEDIA through `default_storage` at `path`; they are written only after the
    filing's transaction commits (`transaction.on_commit`), so a refused or rolled-back filing
    leaves no orphan file. Rows are never edited (the procedure's record); scoped like the
    procedure (the town).
    """

    change = models.ForeignKey(PowerChange, verbose_name=_("程序"), on_delete=models.PROTECT,
                               related_name="evidence_files")
    name = models.CharField(_("文件名"), max_length=200)
    path = models.CharField(_("存储路径"), max_length=300, unique=True)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    uploaded_by = models.CharField(_("上传人"), max_length=150, blank=True)

    scope_kind = OPERATIONAL
    scope_lookup = "change__division__code"

    class Meta:
        ordering = ["change_id", "id"]
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")

    def __str__(self) -> str:
        return self.name
