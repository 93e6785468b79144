"""The navigation. Apps contribute entries by convention: a module `<app>/nav.py` with
`NAV = [(url name, label, roles or None)]`; web imports them by name, never the other way."""
from __future__ import annotations

import importlib
from functools import lru_cache

from django.conf import settings
from django.utils.translation import gettext_lazy as _

CORE_NAV: list[tuple[str, object, tuple[str, ...] | None]] = [
    ("web:home", _("首页"), None),
    ("web:divisions", _("行政区划"), None),
    ("web:leadership", _("班子结构"), None),
]
TAIL_NAV = [
    ("web:audit", _("审计日志"), ("auditor", "reform_office", "city_command", "county_command", "town_command")),
]


@lru_cache(maxsize=1)
def nav_entries() -> list[tuple[str, object, tuple[str, ...] | None]]:
    entries = list(CORE_NAV)
    for app in settings.PLATFORM_APPS:
        if app == "web":
            continue
        try:
            module = importlib.import_module(f"{app}.nav")
        except ModuleNotFoundError as exc:
            if exc.name == f"{app}.nav":
                continue
            raise
        entries.extend(module.NAV)
    return entries + TAIL_NAV
