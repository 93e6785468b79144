"""Writes for the catalog, one module per subject; import them from here.

Who may do what is described in `catalog/services/_common.py`."""
from catalog.services._common import (  # noqa: F401
    COUNTY_FILERS,
    DEPT,
    OPEN_CHANGE_STATES,
    REFORM,
    TOWN_FILERS,
    county_department_for,
)
from catalog.services.admission import (  # noqa: F401
    admission_file,
    admission_require,
    admission_resubmit,
    admission_review,
    admission_withdraw,
    assignment_create,
)
from catalog.services.changes import (  # noqa: F401
    change_decide,
    change_department_opinion,
    change_file,
    change_resubmit,
    change_withdraw,
    changes_apply_due,
    open_work_for,
)
from catalog.services.evidence import (  # noqa: F401
    EVIDENCE_EXTENSIONS,
    EVIDENCE_MAX_BYTES,
    EVIDENCE_MAX_FILES,
    evidence_attach,
    evidence_check,
)
from catalog.services.lists import (  # noqa: F401
    item_list_adopt,
    item_list_issue,
    list_import,
    list_version_record,
    responsibility_set,
)
