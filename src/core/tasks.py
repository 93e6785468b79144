"""Background work of core: sealing the audit chain (every minute, in id order, batch by batch)."""
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*"))
def seal_audit_chain() -> int:
    """Seal the audit rows written since the last run (core.auditchain); returns how many."""
    from core.auditchain import seal

    return seal()
