from django.utils.translation import gettext_lazy as _

from core.roles import Role

NAV = [
    ("grids:list", _("网格"), None),
    ("grids:map", _("网格地图"), None),
    ("grids:patrol", _("巡查"), (Role.GRID_WORKER,)),
    ("grids:rhythm", _("巡查节奏"), (Role.TOWN_COMMAND, Role.COUNTY_COMMAND, Role.CITY_COMMAND, Role.LEADER)),
]
