"""The navigation. Apps contribute entries by convention: a module `<app>/nav.py` with
`NAV = [(url name, label, roles or None)]`; web imports them by name, never the other way."""
from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.audit import READER_ROLES
from core.conventions import optional_module

CORE_NAV: list[tuple[str, object, tuple[str, ...] | None]] = [
    ("web:home", _("首页"), None),
    ("web:todo", _("我的待办"), None),
    ("web:divisions", _("行政区划"), None),
    ("web:leadership", _("班子结构"), None),
]
TAIL_NAV = [
    ("web:calendar", _("工作日历"), None),
    ("web:audit", _("审计日志"), READER_ROLES),
]


@lru_cache(maxsize=1)
def nav_entries() -> list[tuple[str, object, tuple[str, ...] | None]]:
    entries = list(CORE_NAV)
    for app in settings.PLATFORM_APPS:
        if app == "web":
            continue
        module = optional_module(app, "nav")
        if module is not None:
            entries.extend(module.NAV)
    return entries + TAIL_NAV
