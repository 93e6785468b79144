"""Reads for the catalog, one module per subject; callers import `catalog.selectors`.

- `lists`: the list (清单) in force on a date, replayed from its versions;
- `responsibility`: the responsibility answer (cached, on the routing hot path) and the gap report;
- `todo`: the to-do sources (core.worklist) and home figures of admissions and power changes.
"""
from catalog.selectors.lists import (
    ListEntry,
    ListState,
    item_on_town_list,
    list_state,
    lists_for_division,
    town_list_of,
    version_history,
)
from catalog.selectors.responsibility import (
    RESPONSIBILITY_CACHE,
    Answer,
    Gap,
    ResponsibilityCache,
    UnitRef,
    gaps,
    responsibilities_in_force,
    responsibility_cache,
    responsibility_for,
    town_code_for,
)
from catalog.selectors.todo import (
    ADMISSION_KIND,
    CHANGE_ACTION,
    CHANGE_KIND,
    admission_towns_seen_by,
    home_figures,
    todo_admission_item,
    todo_admission_recipients,
    todo_admissions,
    todo_admissions_subtree,
    todo_change_item,
    todo_change_recipients,
    todo_changes,
    todo_changes_subtree,
    todo_sources,
)

__all__ = [
    "ADMISSION_KIND", "CHANGE_ACTION", "CHANGE_KIND", "RESPONSIBILITY_CACHE", "Answer", "Gap", "ListEntry",
    "ListState", "ResponsibilityCache", "UnitRef", "admission_towns_seen_by", "gaps", "home_figures",
    "item_on_town_list", "list_state", "lists_for_division", "responsibilities_in_force", "responsibility_cache",
    "responsibility_for", "todo_admission_item", "todo_admission_recipients", "todo_admissions",
    "todo_admissions_subtree", "todo_change_item", "todo_change_recipients", "todo_changes", "todo_changes_subtree",
    "todo_sources", "town_code_for", "town_list_of", "version_history",
]
