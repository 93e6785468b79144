"""The citizen report form and the query-code lookup form (pages validate through Django forms)."""
from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from citizen import codes, selectors
from citizen.choices import OTHER
from core.errors import PlatformError
from core.forms import MultipleFileField, PlatformForm, SearchSelect, add_platform_error
from events import photos

MAX_PHOTOS = 3
# service field names → the form's
_FIELD_OF = {"category": "problem", "lat": "position", "lng": "position", "reporter_phone": "phone",
             "client_id": None}


class ReportForm(PlatformForm):
    """Plain words for the problem (or a search by name), what happened, photos, where, a phone."""

    problem = forms.ChoiceField(label=_("遇到了什么问题"), widget=forms.RadioSelect,
                                error_messages={"required": _("请选择问题类型"),
                                                "invalid_choice": _("请选择问题类型")})
    other_class = forms.ChoiceField(label=_("其他问题（输入关键词搜索）"), required=False,
                                    widget=SearchSelect(placeholder=str(_("如：井盖、油烟、工地扬尘"))))
    description = forms.CharField(label=_("具体情况"), max_length=1000,
                                  widget=forms.Textarea(attrs={"rows": 4, "placeholder": str(_(
                                      "请简要描述问题，如：小区东门外垃圾堆了三天没人清运"))}))
    photos = MultipleFileField(label=_("照片（可选，最多 3 张）"), required=False, max_files=MAX_PHOTOS,
                               max_bytes=photos.MAX_BYTES)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-90, max_value=90)
    lng = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-180, max_value=180)
    position = forms.CharField(label=_("问题位置（在地图上点一下）"), required=False, widget=forms.HiddenInput)
    address = forms.CharField(label=_("或填写地址"), required=False, max_length=300,
                              widget=forms.TextInput(attrs={"placeholder": str(_("如：广陵区东关街道琼花观社区某某路 12 号附近"))}))
    phone = forms.CharField(label=_("联系电话（可选）"), required=False, max_length=30,
                            help_text=_("仅用于工作人员回访核实，加密保存，不会公开"),
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    client_id = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.common = selectors.common_problems()
        problem = self.fields["problem"]
        other_class = self.fields["other_class"]
        assert isinstance(problem, forms.ChoiceField) and isinstance(other_class, forms.ChoiceField)
        problem.choices = [(key, label) for key, label, _code in self.common] + [
            (OTHER, str(_("其他问题")))]
        other_class.choices = [("", "")] + [(major, rows) for major, rows in selectors.class_choices()]
        self.fields["photos"].widget.attrs.update(accept="image/*")
        if not self.is_bound:
            self.initial.setdefault("client_id", str(uuid.uuid4()))
        self.fields["lat"].error_messages["invalid"] = str(_("位置坐标不正确，请在地图上重新选择"))
        self.fields["lng"].error_messages["invalid"] = str(_("位置坐标不正确，请在地图上重新选择"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        problem = data.get("problem")
        if problem == OTHER:
            if not data.get("other_class"):
                self.add_error("other_class", _("请搜索并选择问题类型"))
            data["category"] = data.get("other_class") or ""
        elif problem:
            data["category"] = next((code for key, _label, code in self.common if key == problem), "")
        for name in ("lat", "lng"):
            if self.has_error(name):
                self.add_error("position", self.errors[name][0])
        if (data.get("lat") is None) != (data.get("lng") is None):
            self.add_error("position", _("位置坐标不完整，请在地图上重新选择"))
        return data

    def refuse(self, exc: PlatformError) -> None:
        """A service refusal beside the fields it names (the service's names mapped to the form's)."""
        renamed: dict[str, list[str]] = {}
        for name, messages in (exc.fields or {}).items():
            target = _FIELD_OF.get(name, name)
            if target:
                items = messages if isinstance(messages, (list, tuple)) else [messages]
                renamed.setdefault(target, []).extend(str(m) for m in items)
        add_platform_error(self, PlatformError(exc.message, code=exc.code, fields=renamed))


class LookupForm(PlatformForm):
    code = forms.CharField(label=_("查询码"), max_length=20,
                           widget=forms.TextInput(attrs={"placeholder": "ABCDE-FGHJK", "autocomplete": "off",
                                                         "autocapitalize": "characters"}))

    def clean_code(self) -> str:
        value = codes.normalise(self.cleaned_data["code"])
        if value is None:
            raise forms.ValidationError(_("查询码为 10 位字母和数字（如 ABCDE-FGHJK），请核对"))
        return value
