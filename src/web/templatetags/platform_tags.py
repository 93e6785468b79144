import functools
import re
from typing import Any

from django import template
from django.contrib.staticfiles import finders
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

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
        items.append({"url": url, "label": label, "active": False})
    current = active_item(request.path, [str(i["url"]) for i in items])
    if current is not None:
        items[current]["active"] = True
    return items


def active_item(path: str, urls: list[str]) -> int | None:
    """Index of the one menu entry marked current for `path`: the entry whose address is the
    longest prefix of the path (`/grids/map/x/` marks 网格地图, not 网格 as well); "/" only itself."""
    best, best_len = None, -1
    for i, url in enumerate(urls):
        hit = path == url or (url != "/" and path.startswith(url))
        if hit and len(url) > best_len:
            best, best_len = i, len(url)
    return best


@functools.cache
def _icon_svg(name: str) -> str:
    path = finders.find(f"vendor/lucide/{name}.svg")
    if not path:
        raise template.TemplateSyntaxError(f"unknown icon {name!r} (vendor it in frontend/vendor.sh)")
    with open(path, encoding="utf-8") as fh:  # noqa: PTH123 - a path string from the finder
        text = fh.read()
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S).strip()
    text = re.sub(r'\s(width|height|class)="[^"]*"', "", text)
    return re.sub(r"\s+", " ", text)


@register.simple_tag
def icon(name: str, label: str = "") -> SafeString:
    """A vendored Lucide SVG icon inline (`{% icon "map" %}`), 1em, drawn in the text colour; with a
    `label` it is announced to screen readers, otherwise hidden from them. Never an emoji: a
    system without an emoji font draws those as boxes."""
    svg = _icon_svg(name)
    aria = format_html(' role="img" aria-label="{}"', label) if label else ' aria-hidden="true"'
    return mark_safe(svg.replace("<svg", f'<svg class="icon icon-{name}"{aria}', 1))  # noqa: S308 - our own vendored file


@register.filter
def percent(value: float) -> str:
    return f"{value * 100:.0f}%"


@register.simple_tag(takes_context=True)
def personal_value(context: Any, obj: Any, field: str) -> SafeString:
    """A personal field (core.personal) as shown on a page: the mask, and for a user holding one of
    the field's reveal roles a 查看 button that reveals it in place (web:personal-reveal, audited)."""
    from core.roles import has_role

    value = getattr(obj, field, "")
    if not value:
        return mark_safe("")
    spec = obj._meta.get_field(field)
    user = context["request"].user
    if not has_role(user, getattr(spec, "reveal_roles", ())):
        return format_html('<span class="personal">{}</span>', value)
    url = reverse("web:personal-reveal", args=[obj._meta.label, obj.pk, field])
    return format_html('<span class="personal">{} <button type="button" class="link" hx-post="{}" '
                       'hx-target="closest .personal" hx-swap="innerHTML" title="{}">{}</button></span>',
                       value, url, "查看完整号码（将记入审计日志）", "查看")


@register.simple_tag(takes_context=True)
def sort_th(context: Any, field: str, label: str, param: str = "o") -> SafeString:
    """A sortable column header: `{% sort_th "due_at" "期限" %}` links to the same list with
    `?o=due_at` (then `-due_at`), every other filter kept and the page reset; the current
    direction is shown by an arrow and `aria-sort`. The list's filterset declares the field in
    its `OrderingFilter` (django-filter)."""
    request = context["request"]
    current = request.GET.get(param, "")
    query = request.GET.copy()
    query.pop("page", None)
    descending = current == field
    query[param] = f"-{field}" if descending else field
    arrow, aria = "", "none"
    if current == field:
        arrow, aria = " ↑", "ascending"
    elif current == f"-{field}":
        arrow, aria = " ↓", "descending"
    return format_html('<th aria-sort="{}"><a class="sort" href="?{}">{}{}</a></th>', aria, query.urlencode(),
                       label, arrow)


@register.simple_tag(takes_context=True)
def query_with(context: Any, **changes: Any) -> str:
    """The current query string with `changes` applied (a value of None removes the key)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value is not None:
            query[key] = value
    return query.urlencode()
