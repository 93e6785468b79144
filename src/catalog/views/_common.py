"""Helpers shared by the catalog pages: paging, search, dates, status codes."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q

from catalog import forms
from core.errors import PlatformError
from core.scoping import code_level
from core.text import search_variants


def _any_contains(field: str, q: str) -> Q:
    """`field` contains the search text in any of its forms (乡(镇) finds 乡（镇）)."""
    cond = Q()
    for v in search_variants(q):
        cond |= Q(**{f"{field}__icontains": v})
    return cond


def _page(request: Any, qs: Any, size: int = 50) -> Any:
    # Paginator.get_page turns any junk `page` into the first or last page.
    return Paginator(qs, size).get_page(request.GET.get("page"))


def _date(value: str | None, default: dt.date | None = None, label: str = "日期") -> dt.date | None:
    """Used by the Excel import form only (kept as it was; see catalog.excel)."""
    form = forms.AsOfForm({"as_of": value or ""})
    if not value:
        return default
    if not form.is_valid():
        raise PlatformError(f"{label}：{form.errors['as_of'][0]}")
    return form.cleaned_data["as_of"]


def _as_of(request: Any) -> dt.date:
    """`?as_of=` for the downloads (a bad date: a message and today's list)."""
    form = forms.AsOfForm(request.GET)
    if not form.is_valid():
        messages.error(request, f"施行日期：{form.errors['as_of'][0]}")
    return form.as_of_or_today()


def _above_town(user: Any) -> bool:
    return user.is_superuser or code_level(user.division_id or "000000000001") not in ("town", "village")


def _status(*bound_forms: Any) -> int:
    """400 when any bound form on the page carries errors (a refused submission or bad filter)."""
    return 400 if any(f is not None and f.is_bound and f.errors for f in bound_forms) else 200


def _filter_errors(fs: Any) -> list[str]:
    """The filterset's form errors, one line per field (filters never hand-parse the query)."""
    if fs.form.is_valid():
        return []
    return [f"{fs.form.fields[name].label or name}：{'；'.join(errs)}" if name in fs.form.fields
            else "；".join(errs) for name, errs in fs.form.errors.items()]


def _filtered(request: Any, fs: Any) -> tuple[Any, list[str]]:
    errors = _filter_errors(fs)
    try:
        return _page(request, fs.qs), errors
    except PlatformError as exc:  # a division filter that is not a 12-digit code
        return _page(request, fs.queryset.none()), [*errors, exc.message]


def _wants_xlsx(request: Any, errors: list[str]) -> bool:
    """`?format=xlsx` on a list page whose filters are valid: the filtered rows as Excel."""
    return request.GET.get("format") == "xlsx" and not errors


def _xlsx(filename: str, title: str, header: list[str], rows: Any) -> Any:
    """A list page's rows as a streamed Excel file (`core.reports.xlsx`: local times, title row,
    frozen header, formula-like text neutralised), at most 50,000 rows."""
    from core.reports import xlsx

    return xlsx.response(filename, [xlsx.Sheet(name=title, header=header, rows=rows)], title=title, stream=True)
