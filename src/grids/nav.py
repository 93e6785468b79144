from django.utils.translation import gettext_lazy as _

NAV = [
    ("grids:list", _("网格"), None),
    ("grids:map", _("网格地图"), None),
    ("grids:patrol", _("巡查"), ("grid_worker",)),
    ("grids:rhythm", _("巡查节奏"), ("town_command", "county_command", "city_command", "leader")),
]
