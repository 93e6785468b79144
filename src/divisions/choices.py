from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    CITY = "city", _("市")
    COUNTY = "county", _("县（市、区）")
    TOWN = "town", _("乡镇（街道）")
    VILLAGE = "village", _("村（社区）")


class Kind(models.TextChoices):
    CITY = "市", _("市")
    COUNTY = "县级", _("县级")
    TOWN = "镇", _("镇")
    STREET = "街道", _("街道")
    TOWNSHIP = "乡", _("乡")
    ZONE = "开发区", _("开发区")
    FARM = "农场", _("农场")
    COMMUNITY = "居委会", _("居委会")
    VILLAGE = "村委会", _("村委会")
    VIRTUAL = "虚拟社区", _("虚拟社区")


TOWN_KINDS = {Kind.TOWN, Kind.STREET, Kind.TOWNSHIP, Kind.ZONE, Kind.FARM}
