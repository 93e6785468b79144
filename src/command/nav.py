from django.utils.translation import gettext_lazy as _

from command.selectors import VIEWER_ROLES

NAV = [
    ("command:screen", _("指挥调度大屏"), VIEWER_ROLES),
]
