"""Page forms of the catalog. They check the shape of the input (types, choices, dates, scope of the
offered choices); the rules stay in `catalog.services`, whose refusals are shown beside the fields
they name (`core.forms.add_platform_error`). Choices come from scoped querysets built by the view,
so a value outside the user's scope is an invalid choice, never a lookup of someone else's row.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.choices import ChangeKind, EntryOp, ListKind, ReturnReason, ReviewDecision
from catalog.models import Item
from catalog.services.evidence import EVIDENCE_EXTENSIONS, EVIDENCE_MAX_BYTES, EVIDENCE_MAX_FILES
from core.forms import (
    MultipleFileField,
    PlatformDateField,
    PlatformForm,
    SearchSelect,
    SearchSelectMultiple,
)
from core.text import normalize_text
from divisions.models import Division
from org.models import Unit


def _empty(label: Any) -> list[tuple[str, Any]]:
    """The empty first choice of a select (a lazy Chinese label)."""
    return [("", label)]


class TownChoiceField(forms.ModelChoiceField):
    """A town (乡镇/街道) chosen by name; the submitted value is its 12-digit code."""

    def __init__(self, queryset: QuerySet, **kwargs: Any) -> None:
        kwargs.setdefault("widget", SearchSelect(placeholder=str(_("输入乡镇（街道）名称搜索"))))
        kwargs.setdefault("error_messages", {"invalid_choice": _("乡镇（街道）不存在或不在您的管辖范围内")})
        super().__init__(queryset=queryset, to_field_name="code", **kwargs)

    def label_from_instance(self, obj: Division) -> str:
        return obj.name


class TownsChoiceField(forms.ModelMultipleChoiceField):
    """Several towns chosen by name with search; the submitted values are their codes."""

    def __init__(self, queryset: QuerySet, **kwargs: Any) -> None:
        kwargs.setdefault("widget", SearchSelectMultiple(placeholder=str(_("输入乡镇（街道）名称搜索，可多选"))))
        kwargs.setdefault("error_messages", {"invalid_choice": _("乡镇（街道）%(value)s 不存在或不在您的管辖范围内")})
        super().__init__(queryset=queryset, to_field_name="code", **kwargs)

    def label_from_instance(self, obj: Division) -> str:
        return obj.name


class UnitChoiceField(forms.ModelChoiceField):
    def __init__(self, queryset: QuerySet, **kwargs: Any) -> None:
        kwargs.setdefault("widget", SearchSelect(placeholder=str(_("输入单位名称搜索"))))
        kwargs.setdefault("error_messages", {"invalid_choice": _("单位不存在或不可选")})
        super().__init__(queryset=queryset, **kwargs)

    def label_from_instance(self, obj: Unit) -> str:
        return obj.name


class UnitsChoiceField(forms.ModelMultipleChoiceField):
    def __init__(self, queryset: QuerySet, **kwargs: Any) -> None:
        kwargs.setdefault("widget", SearchSelectMultiple(placeholder=str(_("输入单位名称搜索，可多选"))))
        kwargs.setdefault("error_messages", {"invalid_choice": _("单位不存在或不可选"),
                                             "invalid_pk_value": _("单位不存在或不可选")})
        super().__init__(queryset=queryset, **kwargs)

    def label_from_instance(self, obj: Unit) -> str:
        return obj.name


class ItemChoiceField(forms.ModelChoiceField):
    """An item (权力事项) chosen by name with search; the submitted value is its code."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", SearchSelect(placeholder=str(_("输入事项名称或编码搜索"))))
        kwargs.setdefault("error_messages", {"invalid_choice": _("事项不存在，请从列表中选择")})
        kwargs.setdefault("empty_label", str(_("请选择权力事项")))
        super().__init__(queryset=Item.objects.order_by("code"), to_field_name="code", **kwargs)

    def to_python(self, value: Any) -> Any:
        return super().to_python(normalize_text(value) if isinstance(value, str) else value)

    def label_from_instance(self, obj: Item) -> str:
        return f"{obj.name}（{obj.code}）"


# ---------------------------------------------------------------- GET filters

class AsOfForm(PlatformForm):
    """`?as_of=YYYY-MM-DD`: the list or answer as in force on that date (default today)."""

    as_of = PlatformDateField(label=_("施行日期"), required=False)

    def as_of_or_today(self) -> dt.date:
        value = self.cleaned_data.get("as_of") if self.is_valid() else None
        return value or timezone.localdate()


class ListFilterForm(AsOfForm):
    q = forms.CharField(label=_("区划名称"), required=False, max_length=50)
    kind = forms.ChoiceField(label=_("清单"), required=False, choices=_empty(_("全部清单")) + list(ListKind.choices),
                             error_messages={"invalid_choice": _("清单类型有误")})
    field_order = ("q", "kind", "as_of")


class MatterFilterForm(AsOfForm):
    town = forms.ModelChoiceField(queryset=Division.objects.none(), required=False)
    q = forms.CharField(label=_("职责名称或编码"), required=False, max_length=50)
    gaps = forms.BooleanField(label=_("本页只看责任空白"), required=False)
    field_order = ("town", "q", "as_of", "gaps")

    def __init__(self, *args: Any, towns: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["town"] = TownChoiceField(towns, label=_("乡镇（街道）"), required=False,
                                              empty_label=str(_("（第一个乡镇）")))


class GapFilterForm(AsOfForm):
    town = forms.ModelChoiceField(queryset=Division.objects.none(), required=False)
    matter = forms.CharField(label=_("职责编码"), required=False, max_length=30)
    field_order = ("town", "matter", "as_of")

    def __init__(self, *args: Any, towns: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["town"] = TownChoiceField(towns, label=_("乡镇（街道）"), required=False,
                                              empty_label=str(_("全部乡镇（街道）")))


class PublicSearchForm(AsOfForm):
    q = forms.CharField(label=_("乡镇（街道）名称"), required=False, max_length=50)


# ---------------------------------------------------------------- responsibility

class ResponsibilityForm(PlatformForm):
    main_unit = forms.ModelChoiceField(queryset=Unit.objects.none(), required=False)
    cooperating_units = forms.ModelMultipleChoiceField(queryset=Unit.objects.none(), required=False)
    valid_from = PlatformDateField(label=_("起始日期"), required=False)
    note = forms.CharField(label=_("备注"), required=False, max_length=200)

    def __init__(self, *args: Any, candidates: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["main_unit"] = UnitChoiceField(candidates, label=_("主体责任单位"), required=False,
                                                   empty_label=str(_("（未明确）")))
        self.fields["cooperating_units"] = UnitsChoiceField(candidates, label=_("配合责任单位（可多选）"), required=False)
        self.order_fields(["main_unit", "cooperating_units", "valid_from", "note"])


# ---------------------------------------------------------------- admission

class AdmissionFileForm(PlatformForm):
    department = forms.ModelChoiceField(queryset=Unit.objects.none())
    title = forms.CharField(label=_("交办任务"), max_length=200)
    description = forms.CharField(label=_("任务内容"), required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    legal_basis = forms.CharField(label=_("法律政策依据"), max_length=2000)
    staff = forms.IntegerField(label=_("随交人员（人）"), min_value=0, max_value=10000, initial=0,
                               error_messages={"invalid": _("随交人员须为整数（人）"),
                                               "min_value": _("随交人员不能为负数"),
                                               "max_value": _("随交人员不能超过 %(limit_value)s 人")})
    funds = forms.DecimalField(label=_("随交经费（万元）"), min_value=0, max_digits=12, decimal_places=2, initial=0,
                               error_messages={"invalid": _("随交经费须为数字（万元，最多两位小数）"),
                                               "min_value": _("随交经费不能为负数"),
                                               "max_digits": _("随交经费数额过大（最多 %(max)s 位数字）"),
                                               "max_decimal_places": _("随交经费最多两位小数"),
                                               "max_whole_digits": _("随交经费数额过大")})
    systems = forms.CharField(label=_("随交信息系统/权限"), required=False, max_length=300)
    towns = forms.ModelMultipleChoiceField(queryset=Division.objects.none(), required=False)
    valid_until = PlatformDateField(label=_("有效期至"), required=False)

    def __init__(self, *args: Any, departments: QuerySet, towns: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"] = UnitChoiceField(departments, label=_("申请部门"),
                                                    empty_label=str(_("请选择申请部门")))
        only = list(departments[:2])
        if len(only) == 1:  # a department files in its own name: nothing to choose
            self.fields["department"].initial = only[0].pk
        self.fields["towns"] = TownsChoiceField(towns, required=False, label=_("承接乡镇（不选表示本县全部）"))
        self.order_fields(["department", "title", "description", "legal_basis", "staff", "funds", "systems", "towns",
                           "valid_until"])
        # A PositiveIntegerField: the browser's number box already refuses negatives.
        self.fields["staff"].widget.attrs["step"] = "1"


class ReasonForm(PlatformForm):
    """Withdraw (撤回): a reason is required; the page asks for confirmation first."""

    reason = forms.CharField(label=_("撤回理由"), max_length=1000)


class ReviewForm(PlatformForm):
    """Approve, reject or return (nothing preselected: the reviewer chooses)."""

    decision = forms.ChoiceField(label=_("结论"), choices=_empty(_("请选择结论")) + list(ReviewDecision.choices),
                                 error_messages={"invalid_choice": _("请从列表中选择结论")})
    reason = forms.CharField(label=_("审核意见"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class AdmissionResubmitForm(PlatformForm):
    legal_basis = forms.CharField(label=_("法律政策依据（如需修改）"), required=False, max_length=2000)
    reason = forms.CharField(label=_("修改说明"), max_length=2000)


class AssignForm(PlatformForm):
    town = forms.ModelChoiceField(queryset=Division.objects.none())
    title = forms.CharField(label=_("交办内容"), max_length=200)
    due_date = PlatformDateField(label=_("完成时限"), required=False)

    def __init__(self, *args: Any, towns: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["town"] = TownChoiceField(towns, label=_("乡镇（街道）"), empty_label=str(_("请选择乡镇（街道）")))
        self.order_fields(["town", "title", "due_date"])


# ---------------------------------------------------------------- delegation / adjustment / return

class EvidenceField(MultipleFileField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_files=EVIDENCE_MAX_FILES, max_bytes=EVIDENCE_MAX_BYTES, extensions=EVIDENCE_EXTENSIONS,
                         **kwargs)


class ChangeFileForm(PlatformForm):
    """File a delegation, adjustment or return. Return-only fields are checked by the service
    (`change_file`), whose refusal names each missing field, so the message lands beside it."""

    kind = forms.ChoiceField(label=_("程序"), choices=())
    op = forms.ChoiceField(label=_("调整方向（仅调整）"), required=False,
                           choices=_empty("—") + list(EntryOp.choices),
                           error_messages={"invalid_choice": _("调整方向有误")})
    division = forms.ModelChoiceField(queryset=Division.objects.none())
    item = ItemChoiceField(label=_("权力事项"))
    reason = forms.CharField(label=_("理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    effective_date = PlatformDateField(label=_("生效日期"))
    reason_category = forms.ChoiceField(label=_("退还原因类别"), required=False,
                                        choices=_empty(_("请选择")) + list(ReturnReason.choices),
                                        error_messages={"invalid_choice": _("请从列表中选择退还原因类别")})
    evidence_files = EvidenceField(label=_("佐证材料（上传文件）"), required=False,
                                   help_text=_("可多选；PDF、OFD、Word、Excel、WPS、图片或压缩包，每个不超过 20 MB，最多 10 个"))
    evidence = forms.CharField(label=_("佐证材料说明"), required=False, max_length=2000)
    legal_reviewer = forms.CharField(label=_("合法性审查人"), required=False, max_length=100)
    legal_opinion = forms.CharField(label=_("合法性审查意见"), required=False, max_length=2000)
    legal_review_date = PlatformDateField(label=_("合法性审查日期"), required=False)
    handover_plan = forms.CharField(label=_("在办事项移交方案"), required=False, max_length=5000,
                                    widget=forms.Textarea(attrs={"rows": 2}))

    RETURN_FIELDS = ("reason_category", "evidence_files", "evidence", "legal_reviewer", "legal_opinion",
                     "legal_review_date", "handover_plan")

    def __init__(self, *args: Any, towns: QuerySet, kinds: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(ChangeKind.choices)
        kind = cast(forms.ChoiceField, self.fields["kind"])
        kind.choices = [(k, labels[k]) for k in kinds]
        kind.error_messages["invalid_choice"] = _("您不能申报该程序")
        self.fields["division"] = TownChoiceField(towns, label=_("乡镇（街道）"),
                                                  empty_label=str(_("请选择乡镇（街道）")))
        self.order_fields(["kind", "op", "division", "item", "reason", "effective_date", *self.RETURN_FIELDS])
        if ChangeKind.ADJUSTMENT not in kinds:  # a town files returns only: no direction to choose
            del self.fields["op"]
        self.fields["effective_date"].widget.attrs["min"] = timezone.localdate().isoformat()

    def main_fields(self) -> list[Any]:
        return [f for f in self if f.name not in self.RETURN_FIELDS]

    def return_fields(self) -> list[Any]:
        return [f for f in self if f.name in self.RETURN_FIELDS]


class OpinionForm(PlatformForm):
    agree = forms.TypedChoiceField(label=_("意见"), coerce=lambda v: v == "agree",
                                   choices=[("", _("请选择")), ("agree", _("同意")), ("disagree", _("不同意"))],
                                   error_messages={"invalid_choice": _("请从列表中选择意见")})
    opinion = forms.CharField(label=_("说明"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ChangeResubmitForm(PlatformForm):
    effective_date = PlatformDateField(label=_("生效日期"), required=False)
    handover_plan = forms.CharField(label=_("在办事项移交方案"), required=False, max_length=5000,
                                    widget=forms.Textarea(attrs={"rows": 2}))
    evidence_files = EvidenceField(label=_("补充佐证材料（上传文件）"), required=False)
    reason = forms.CharField(label=_("修改说明"), max_length=2000)
