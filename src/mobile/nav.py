from django.utils.translation import gettext_lazy as _

from core.roles import Role

NAV = [
    ("mobile:home", _("网格员端"), (Role.GRID_WORKER,)),
]
