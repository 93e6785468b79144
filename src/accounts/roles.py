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


ROLE_CODES = {r.value for r in Role}
