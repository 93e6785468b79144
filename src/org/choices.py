from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    OFFICE = "office", _("办公室")
    BUREAU = "bureau", _("局")
    SERVICE_CENTRE = "service_centre", _("综合服务中心")
    COMMAND_CENTRE = "command_centre", _("指挥调度中心")
    COUNTY_DEPARTMENT = "county_department", _("县级部门")
    STATIONED = "stationed", _("派驻机构")


class TemplateScope(models.TextChoices):
    TOWN = "town", _("镇、乡（一办八局）")
    STREET = "street", _("街道（一办七局）")
    ZONE = "zone", _("开发区、农场")


class Establishment(models.TextChoices):
    ADMINISTRATIVE = "行政", _("行政编制")
    INSTITUTIONAL = "事业", _("事业编制")


LEADERSHIP_SECRETARY_SHARE = 0.30  # reform rule: ≥30% of the team served as village/community secretary
