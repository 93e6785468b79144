"""Background work of the outbox: a dispatch on request and a periodic safety net.

`dispatch_outbox_now` is a django.tasks task (the django-tasks backport, run by Huey through
Huey's own tasks backend, `huey.contrib.djhuey.tasks_backend.HueyBackend`): `outbox.enqueue`
asks for it after the causing transaction commits, so a notification usually goes out within a
second. A Huey task is not acknowledged — if the worker dies the request is lost — which is
harmless here because the rows are in the database and `dispatch_outbox`, a Huey periodic
task, claims whatever is due every minute.
"""
from __future__ import annotations

from django_tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from notify import outbox


@task()
def dispatch_outbox_now() -> int:
    """Deliver every due outbox row now; returns how many were delivered."""
    return len(outbox.dispatch_all().delivered)


@db_periodic_task(crontab(minute="*"))
def dispatch_outbox() -> int:
    """Every minute: deliver due rows, retries whose backoff has passed, and rows of dead workers
    whose lease ran out (`OUTBOX_LEASE_SECONDS`)."""
    return len(outbox.dispatch_all().delivered)
