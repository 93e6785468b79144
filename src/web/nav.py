"""The navigation: apps add entries here by convention (web imports nothing from them)."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# (url name, label, roles or None for everyone). Higher apps append in their AppConfig.ready().
NAV: list[tuple[str, object, tuple[str, ...] | None]] = [
    ("web:home", _("首页"), None),
    ("web:divisions", _("行政区划"), None),
    ("web:leadership", _("班子结构"), None),
    ("web:audit", _("审计日志"), ("auditor", "reform_office", "city_command", "county_command", "town_command")),
]


def register(url_name: str, label: object, roles: tuple[str, ...] | None = None) -> None:
    if all(entry[0] != url_name for entry in NAV):
        NAV.append((url_name, label, roles))
