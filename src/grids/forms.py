"""Forms of the grid pages: the GeoJSON import (upload, then confirm)."""
from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.errors import PlatformError

# Yangzhou's 6,232 grids export to a few MB; a file larger than this is not a grid file.
MAX_GRID_FILE_BYTES = 50 * 1024 * 1024
CRS_CHOICES = [("", _("按文件声明（无声明为 WGS84/CGCS2000 经纬度）")), ("wgs84", _("WGS84 / CGCS2000 经纬度")),
               ("gcj02", _("GCJ-02 经纬度（转换为 WGS84）"))]


def read_geojson(upload: Any) -> Any:
    """The parsed JSON of an uploaded GeoJSON file. PlatformError (400) for a file over
    MAX_GRID_FILE_BYTES or one that is not UTF-8 JSON."""
    if (getattr(upload, "size", 0) or 0) > MAX_GRID_FILE_BYTES:
        raise PlatformError(f"文件超过 {MAX_GRID_FILE_BYTES // 1024 // 1024} MB，不像网格文件；请按乡镇分批导入",
                            code="import_too_large", fields={"file": ["文件过大"]})
    try:
        return json.loads(upload.read().decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        raise PlatformError("文件不是合法的 GeoJSON（JSON）", code="import_invalid", fields={"file": ["不是 JSON"]})


class GridImportForm(forms.Form):
    """Step 1: the file (checked, never written unless `confirm`)."""

    file = forms.FileField(label=_("GeoJSON 文件"), error_messages={"required": _("请选择 GeoJSON 文件")})
    crs = forms.ChoiceField(label=_("坐标系"), choices=CRS_CHOICES, required=False)
    confirm = forms.BooleanField(required=False)

    def clean_file(self) -> Any:
        try:
            return read_geojson(self.cleaned_data["file"])
        except PlatformError as exc:
            raise forms.ValidationError(exc.message) from exc


class GridImportConfirmForm(forms.Form):
    """Step 2: the checked content again (the import re-checks it in full before writing)."""

    payload = forms.CharField(widget=forms.HiddenInput)
    crs = forms.ChoiceField(choices=CRS_CHOICES, required=False, widget=forms.HiddenInput)

    def clean_payload(self) -> Any:
        try:
            return json.loads(self.cleaned_data["payload"])
        except ValueError:
            raise forms.ValidationError(_("导入内容已失效，请重新上传")) from None
