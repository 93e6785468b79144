"""Forms of the flows pages: input validated here, never read from request.POST by hand."""
from __future__ import annotations

from typing import Any

from django import forms

from catalog.models import Item
from flows.choices import TEMPLATE_LABELS

MAX_BPMN_BYTES = 20 * 1024 * 1024


class MapImportForm(forms.Form):
    """导入流程图: an item by code, the division it is for, and a .bpmn file or a template."""

    item = forms.CharField(label="事项编码", max_length=64)
    division = forms.CharField(label="适用区划", max_length=12, required=False)
    template = forms.ChoiceField(label="模板", required=False)
    file = forms.FileField(label="BPMN 文件", required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        template: Any = self.fields["template"]
        template.choices = [("", "按事项类型选择"), *[(k, v) for k, v in TEMPLATE_LABELS.items()]]

    def clean_item(self) -> Item:
        code = self.cleaned_data["item"].strip()
        item = Item.objects.visible_to(self.user).filter(code=code).first()
        if item is None:
            raise forms.ValidationError("事项编码不存在")
        return item

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > MAX_BPMN_BYTES:
            raise forms.ValidationError("文件超过 20 MB")
        return upload


class CaseStartForm(forms.Form):
    """发起办件: title, applicant (当事人) and the idempotency key the page sends."""

    title = forms.CharField(label="标题", max_length=200, required=False)
    applicant = forms.CharField(label="当事人", max_length=200, required=False)
    idempotency_key = forms.CharField(max_length=64, required=False)


def first_error(form: forms.Form) -> str:
    """The form's first message, for the page's message bar."""
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        return f"{label}：{errors[0]}" if label else str(errors[0])
    return "提交的内容有误"
