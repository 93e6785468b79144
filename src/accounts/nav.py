"""Menu entry of the accounts app (see web/nav.py): the security administrator's account management
(三员分立: accounts, roles, TOTP devices, API tokens and lockouts are kept in the admin site)."""
from django.utils.translation import gettext_lazy as _

from core.roles import Role

NAV = [
    ("admin:accounts_user_changelist", _("账号管理"), (Role.SECURITY_ADMIN,)),
]
