from django.utils.translation import gettext_lazy as _

NAV = [
    ("flows:my-tasks", _("我的待办"), None),
    ("flows:cases", _("办件"), None),
    ("flows:maps", _("流程图"), None),
]
