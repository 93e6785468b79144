"""Writes for the catalog, one module per subject; import them from here.

Who may do what is described in `catalog/services/_common.py`."""
from catalog.services._common import (  # noqa: F401
    REFORM, DEPT, TOWN_FILERS, COUNTY_FILERS, OPEN_CHANGE_STATES, county_department_for,
)
from catalog.services.lists import (  # noqa: F401
    list_version_record, item_list_issue, item_list_adopt, list_import, responsibility_set,
)
from catalog.services.admission import (  # noqa: F401
    admission_file, admission_review, admission_resubmit, admission_withdraw, admission_require, assignment_create,
)
from catalog.services.changes import (  # noqa: F401
    change_file, change_department_opinion, change_decide, change_resubmit, change_withdraw, changes_apply_due,
    open_work_for,
)
