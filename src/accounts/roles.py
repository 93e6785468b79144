"""Role codes (listed in README). A user has one or more; scope comes from the division."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITY_COMMAND = "city_command", _("市级指挥中心")
    COUNTY_COMMAND = "county_command", _("县级指挥中心")
    TOWN_COMMAND = "town_command", _("镇街指挥调度中心")
    DEPT_HANDLER = "dept_handler", _("部门处置人员")
    GRID_WORKER = "grid_worker", _("网格员")
    REFORM_OFFICE = "reform_office", _("编办（改革办）")
    LEADER = "leader", _("领导")
    AUDITOR = "auditor", _("审计")
    # 三员分立 (GB/T 22239-2019 level 3): three administrators, none of whom does business work.
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")


ROLE_CODES = {r.value for r in Role}

# An administrator holds exactly one of these and no business role, has no division (no business
# data), and must use TOTP. System: configuration (GLOBAL reference data, calendar, lane mapping);
# security: accounts, roles, TOTP devices, API tokens, lockouts; audit: reads the audit log.
ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN.value, Role.SECURITY_ADMIN.value, Role.AUDIT_ADMIN.value})
BUSINESS_ROLES = frozenset(ROLE_CODES - ADMIN_ROLES)
