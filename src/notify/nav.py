from django.utils.translation import gettext_lazy as _

NAV = [
    ("notify:inbox", _("消息"), None),
]
