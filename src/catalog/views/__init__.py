"""Pages: lists (as of a date, versions, Excel), items, matters and responsibility, gaps,
admission, delegation/adjustment/return, and the public town list (no login).

Every input is validated by a Django form (`catalog/forms.py`) or the filterset's form; a refused
submission re-renders the page (400) with every typed value kept and each message beside its
field, including the refusals of the services (`core.forms.add_platform_error`).
"""
from catalog.views.admissions import ADMISSION_ACTIONS, admission_detail, admissions  # noqa: F401
from catalog.views.changes import CHANGE_ACTIONS, change_detail, changes  # noqa: F401
from catalog.views.lists import index, items, list_detail, list_export, list_import  # noqa: F401
from catalog.views.matters import gaps, matters, responsibility_edit  # noqa: F401
from catalog.views.public import public_index, public_town, public_town_export  # noqa: F401
