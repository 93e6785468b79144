from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse

from web.nav import nav_entries

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_items(context: Any) -> list[dict[str, Any]]:
    request = context["request"]
    user = request.user
    items = []
    for url_name, label, roles in nav_entries():
        if roles and not (user.is_superuser or set(user.roles or ()) & set(roles)):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": label, "active": request.path == url or
                      (url != "/" and request.path.startswith(url))})
    return items


@register.filter
def percent(value: float) -> str:
    return f"{value * 100:.0f}%"
