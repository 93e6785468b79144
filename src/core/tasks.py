"""Background work of core: sealing the audit chain (every minute, in id order, batch by batch) and
creating the coming months' partitions (daily, PostgreSQL)."""
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*"))
def seal_audit_chain() -> int:
    """Seal the audit rows written since the last run (core.auditchain); returns how many."""
    from core.auditchain import seal

    return seal()


@db_periodic_task(crontab(minute="17", hour="3"))
def ensure_partitions() -> list[str]:
    """Create the coming months' partitions of every partitioned table (PostgreSQL; nothing on SQLite),
    so that rows never land in the DEFAULT partition; returns the partitions created."""
    from core import partitions

    created: list[str] = []
    for table in sorted(partitions.REGISTRY):
        created += partitions.ensure(table).created
    return created
