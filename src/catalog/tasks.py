"""Background work for the catalog (Huey)."""
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from core import audit


@db_periodic_task(crontab(minute="*/15"))
def apply_due_changes() -> int:
    """Approved delegations, adjustments and returns whose effective date has come are marked
    in force (idempotent; the lists and answers are dated and already right on the day)."""
    from catalog import services

    with audit.acting_as(name="catalog.apply_due_changes", source="task"):
        return services.changes_apply_due()
