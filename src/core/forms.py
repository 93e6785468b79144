"""Form pieces shared by every app's pages (pages are validated by Django forms, never hand-parsed).

- `PlatformDateField`: ISO dates only (what `<input type="date">` sends), within
  `DATE_MIN`…`DATE_MAX`; anything else is a Chinese message beside the field.
- `SearchSelect` / `SearchSelectMultiple`: a plain `<select>` that `core/forms.js` turns into a
  searchable one (tom-select, vendored): units, divisions, items and staff are chosen by name.
- `add_platform_error(form, exc)`: a service's refusal (`PlatformError.fields`) shown beside the
  fields it names, so a refused submission re-renders with every typed value kept.
- `PlatformForm`: the base form (Chinese "required" message, no colon after labels).
"""
from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.errors import PlatformError

DATE_MIN = dt.date(2000, 1, 1)
DATE_MAX = dt.date(2099, 12, 31)
ISO_DATE = "%Y-%m-%d"


class DateInput(forms.DateInput):
    """`<input type="date">`, whose value the browser always sends as YYYY-MM-DD."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=ISO_DATE)


class PlatformDateField(forms.DateField):
    """A date given as YYYY-MM-DD between `min_date` and `max_date` (default 2000-01-01…2099-12-31).

    Errors: `invalid` for anything that is not a real ISO date ('yesterday', '2026-02-30'),
    `out_of_range` for a date outside the bounds (0001-01-01, 9999-12-31 would overflow date
    arithmetic downstream).
    """

    widget = DateInput
    input_formats = (ISO_DATE,)
    default_error_messages: ClassVar[dict[str, Any]] = {
        "invalid": _("请输入有效的日期，格式为 年-月-日（如 2026-03-02）"),
        "required": _("请填写此项"),
    }

    def __init__(self, *, min_date: dt.date = DATE_MIN, max_date: dt.date = DATE_MAX, **kwargs: Any) -> None:
        self.min_date, self.max_date = min_date, max_date
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("min", min_date.isoformat())
        self.widget.attrs.setdefault("max", max_date.isoformat())

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and not (self.min_date <= value <= self.max_date):
            raise ValidationError(_("日期须在 %(min)s 至 %(max)s 之间"), code="out_of_range",
                                  params={"min": self.min_date.isoformat(), "max": self.max_date.isoformat()})


class SearchSelect(forms.Select):
    """A select searched by name in the browser (tom-select); without JavaScript a plain select."""

    def __init__(self, attrs: dict[str, Any] | None = None, placeholder: str | None = None) -> None:
        merged = {"class": "search-select", "data-placeholder": placeholder or str(_("输入名称搜索"))}
        merged.update(attrs or {})
        super().__init__(attrs=merged)


class SearchSelectMultiple(forms.SelectMultiple):
    """Several choices searched by name (tom-select with remove buttons)."""

    def __init__(self, attrs: dict[str, Any] | None = None, placeholder: str | None = None) -> None:
        merged = {"class": "search-select", "data-placeholder": placeholder or str(_("输入名称搜索，可多选"))}
        merged.update(attrs or {})
        super().__init__(attrs=merged)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several uploaded files in one field (`<input type="file" multiple>`); cleans to a list."""

    widget = MultipleFileInput

    def __init__(self, *, max_files: int = 10, max_bytes: int = 20 * 1024 * 1024,
                 extensions: tuple[str, ...] = (), **kwargs: Any) -> None:
        self.max_files, self.max_bytes, self.extensions = max_files, max_bytes, extensions
        super().__init__(**kwargs)
        if extensions:
            self.widget.attrs.setdefault("accept", ",".join(extensions))

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(files) > self.max_files:
            raise ValidationError(_("最多上传 %(n)s 个文件"), code="too_many", params={"n": self.max_files})
        cleaned = [super(MultipleFileField, self).clean(f, initial) for f in files]
        for f in cleaned:
            name = f.name or ""
            if self.extensions and not name.lower().endswith(self.extensions):
                raise ValidationError(_("“%(name)s”的类型不支持，可上传：%(ext)s"), code="extension",
                                      params={"name": name, "ext": "、".join(self.extensions)})
            if f.size > self.max_bytes:
                raise ValidationError(_("“%(name)s”超过 %(mb)s MB"), code="too_big",
                                      params={"name": name, "mb": self.max_bytes // (1024 * 1024)})
            if f.size == 0:
                raise ValidationError(_("“%(name)s”是空文件"), code="empty", params={"name": name})
        return cleaned


class PlatformForm(forms.Form):
    """Base of the platform's page forms: no label colon, required fields say so in Chinese."""

    label_suffix = ""
    required_message = _("请填写此项")

    def full_clean(self) -> None:
        # Here rather than in __init__: subclasses replace fields after their super().__init__().
        for field in self.fields.values():
            if field.error_messages.get("required") in (None, forms.Field.default_error_messages["required"]):
                field.error_messages["required"] = self.required_message
        super().full_clean()


def add_platform_error(form: forms.BaseForm, exc: PlatformError) -> None:
    """Show a service's refusal on the form: each named field gets its message beside it.

    Fields the form does not have (or none at all) fall back to the form-wide message.
    """
    placed: list[str] = []
    for name, messages in (exc.fields or {}).items():
        if name in form.fields:
            for message in messages if isinstance(messages, (list, tuple)) else [messages]:
                form.add_error(name, str(message))
                placed.append(str(message))
    if exc.message not in placed:
        form.add_error(None, exc.message)
