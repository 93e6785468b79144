from django.utils.translation import gettext_lazy as _

from events.views import GAP_READERS

NAV = [
    ("events:gaps", _("事件分拨缺口"), GAP_READERS),
]
