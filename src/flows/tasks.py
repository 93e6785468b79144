"""Background work: the overdue sweep (every 5 minutes; idempotent, so restarts lose nothing)."""
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*/5"))
def flag_overdue_cases() -> int:
    from flows.services import cases_flag_overdue

    return cases_flag_overdue()
