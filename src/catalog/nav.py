from django.utils.translation import gettext_lazy as _

NAV = [
    ("catalog:index", _("权责清单"), None),
    ("catalog:matters", _("职责分工"), None),
    ("catalog:admissions", _("交办准入"), ("dept_handler", "reform_office", "county_command", "city_command", "leader",
                                          "auditor", "town_command")),
    ("catalog:changes", _("赋权调整退还"), ("reform_office", "dept_handler", "town_command", "county_command",
                                           "city_command", "leader", "auditor")),
]
