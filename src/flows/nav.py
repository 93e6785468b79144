from django.utils.translation import gettext_lazy as _

NAV = [
    ("flows:cases", _("办件"), None),
    ("flows:maps", _("流程图"), None),
]
