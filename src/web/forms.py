"""Forms of the web app's own pages (filters validated by Django forms, never hand-parsed)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from core import audit_read
from core.errors import PlatformError
from core.filters import require_division_code
from core.scoping import code_prefix

MIN_DATE = dt.date(2000, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)


class AuditFilterForm(forms.Form):
    start = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    actor = forms.CharField(label="操作人", required=False, max_length=150)
    action = forms.ChoiceField(label="动作", required=False,
                               choices=[("", "全部"), *audit_read.ACTIONS.items()])
    model = forms.ChoiceField(label="对象类型", required=False)
    division = forms.CharField(label="区划", required=False, max_length=40,
                               widget=forms.TextInput(attrs={"placeholder": "区划代码"}))
    q = forms.CharField(label="对象名称", required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": "名称或编号"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_field: Any = self.fields["model"]
        model_field.choices = [("", "全部"), *audit_read.model_choices()]

    def _date(self, name: str) -> dt.date | None:
        value = self.cleaned_data.get(name)
        if value is not None and not MIN_DATE <= value <= MAX_DATE:
            raise forms.ValidationError("日期超出范围（2000 年至 2100 年）")
        return value

    def clean_start(self) -> dt.date | None:
        return self._date("start")

    def clean_end(self) -> dt.date | None:
        return self._date("end")

    def clean_division(self) -> str:
        value = self.cleaned_data.get("division", "").strip()
        if not value:
            return ""
        try:
            return code_prefix(require_division_code(value))
        except PlatformError as exc:
            raise forms.ValidationError(exc.message) from None

    def filters(self) -> audit_read.AuditFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return audit_read.AuditFilters(start=data.get("start"), end=data.get("end"), actor=data.get("actor", ""),
                                       action=data.get("action", ""), model=data.get("model", ""),
                                       division_prefix=data.get("division", ""), q=data.get("q", ""))


class DivisionTreeForm(forms.Form):
    """`/divisions/?q=` (search by name) and `?parent=<code>` (the children the tree opens)."""

    parent = forms.RegexField(regex=r"^\d{12}$", required=False, max_length=12,
                              error_messages={"invalid": "上级区划须为 12 位区划代码"})
    q = forms.CharField(required=False, max_length=50, error_messages={"max_length": "搜索词不能超过 50 个字"})


class LeadershipFilterForm(forms.Form):
    """`/leadership/?failing=1`: only the towns below 30%."""

    failing = forms.BooleanField(required=False)


class TodoFilterForm(forms.Form):
    """`?kind=` (one source of waiting work), `?view=subtree` (a command centre's view of its
    subtree's waiting work, with 催办)."""

    kind = forms.ChoiceField(label="类型", required=False)
    view = forms.ChoiceField(label="范围", required=False, choices=[("", "我的待办"), ("subtree", "辖区待办")])

    def __init__(self, *args: Any, kinds: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = [("", "全部"), *kinds]


class UrgeForm(forms.Form):
    """催办: which item (kind and id, from the to-do row) and an optional note."""

    kind = forms.CharField(max_length=40)
    ref = forms.CharField(max_length=20)
    note = forms.CharField(label="催办意见", required=False, max_length=500,
                           widget=forms.TextInput(attrs={"placeholder": "请抓紧办理"}))
