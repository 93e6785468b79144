from django.utils.translation import gettext_lazy as _

from core.roles import Role

NAV = [
    ("sharing:keys", _("端口授权"), (Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.CITY_COMMAND, Role.COUNTY_COMMAND,
                                    Role.TOWN_COMMAND, Role.AUDITOR)),
]
