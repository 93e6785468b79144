"""The page side of personal data: reveal one masked value in place (htmx), audited."""
from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from core.personal import personal_fields, reveal_personal


@login_required
@require_POST
def personal_reveal(request: HttpRequest, model: str, pk: int, field: str) -> HttpResponse:
    """POST → `<span class="revealed">13812341234</span>` replacing the masked value on the page.

    `model` is a platform model label with personal fields; the row is looked up among the rows
    the user may see (404 otherwise, as for a row that does not exist). `reveal_personal` checks
    the field's reveal roles (403 page) and writes the audit row."""
    try:
        model_class = apps.get_model(model)
    except (LookupError, ValueError):
        raise Http404 from None
    if model_class._meta.app_label not in settings.PLATFORM_APPS or not personal_fields(model_class):
        raise Http404
    obj = model_class.objects.visible_to(request.user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    value = reveal_personal(user=request.user, obj=obj, field=field)
    response = HttpResponse(format_html('<span class="revealed" title="{}">{}</span>', "已记录本次查看", value))
    response["Cache-Control"] = "no-store"
    return response
