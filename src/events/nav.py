from django.utils.translation import gettext_lazy as _

from events.views import CALL_READERS, GAP_READERS

NAV = [
    ("events:list", _("事件"), None),
    ("events:calls", _("乡呼县应"), CALL_READERS),
    ("events:gaps", _("事件分拨缺口"), GAP_READERS),
]
