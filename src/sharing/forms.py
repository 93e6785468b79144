"""Page input of the key pages (Django forms; the rules are the services')."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sharing.choices import KeyScope


class KeyIssueForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    division = forms.RegexField(label=_("授权区划代码"), regex=r"^\d{12}$", max_length=12,
                                error_messages={"invalid": _("请填写 12 位区划代码")})
    scopes = forms.MultipleChoiceField(label=_("权限范围"), choices=KeyScope.choices,
                                       widget=forms.CheckboxSelectMultiple)
    days = forms.IntegerField(label=_("有效天数"), min_value=1, max_value=730, initial=365)
    rate_per_minute = forms.IntegerField(label=_("每分钟调用上限"), min_value=1, max_value=100_000, initial=600)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
