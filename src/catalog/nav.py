from django.utils.translation import gettext_lazy as _

from core.roles import Role

NAV = [
    ("catalog:index", _("权责清单"), None),
    ("catalog:matters", _("职责分工"), None),
    ("catalog:admissions", _("交办准入"), (Role.DEPT_HANDLER, Role.REFORM_OFFICE, Role.COUNTY_COMMAND, Role.CITY_COMMAND, Role.LEADER,
                                          Role.AUDITOR, Role.TOWN_COMMAND)),
    ("catalog:changes", _("赋权调整退还"), (Role.REFORM_OFFICE, Role.DEPT_HANDLER, Role.TOWN_COMMAND, Role.COUNTY_COMMAND,
                                           Role.CITY_COMMAND, Role.LEADER, Role.AUDITOR)),
]
