from django.utils.translation import gettext_lazy as _

from assess.views import READERS

NAV = [
    ("assess:dashboard", _("考核驾驶舱"), READERS),
    ("assess:results", _("考核结果"), READERS),
    ("assess:compliance-table", _("改革落实"), READERS),
    ("assess:reports", _("考核报告"), READERS),
]
