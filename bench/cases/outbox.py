"""outbox.*: notifications through the outbox — enqueued inside the causing transaction, then one
dispatcher delivering them to the inbox — against bare inserts of the same rows.

Figures:
- `outbox.enqueue.median`: one `notify.services.notify` call for one user in its own transaction
  (limit: a bare INSERT of one outbox row in its own transaction);
- `outbox.enqueue_many.throughput`: `notify_many` of n notices in one transaction, the path of a
  sweep (limit: a bare bulk_create of the same n outbox rows);
- `outbox.dispatch.throughput`: rows claimed, delivered to the inbox and marked, per second, by
  `dispatch_all` (limit: the same inbox rows written with one bulk insert).
"""
from __future__ import annotations

import gc
import time
from typing import Any

from bench.run import Context, percentile


def _recipients(count: int) -> list[Any]:
    from accounts.models import User
    from divisions.models import Division

    for code, name, level, kind, parent in [("321000000000", "扬州市", "city", "市", None),
                                            ("321002000000", "广陵区", "county", "县级", "321000000000"),
                                            ("321002106000", "湾头镇", "town", "镇", "321002000000")]:
        Division.objects.get_or_create(code=code, defaults=dict(name=name, level=level, kind=kind, parent_id=parent))
    return [User.objects.get_or_create(username=f"bench-notify-{n}", defaults=dict(division_id="321002106000"))[0]
            for n in range(count)]


def _single(ctx: Context, users: list[Any], stamp: int) -> None:
    from django.db import connection, transaction

    from notify.services import notify

    n = 50 if ctx.tiny else 1000
    now_sql = "now()" if connection.vendor == "postgresql" else "datetime('now')"
    bare_sql = ("INSERT INTO notify_outboxmessage (kind, key, payload, status, created_at, available_at, claimed_by, "
                f"attempts, last_error) VALUES ('bench', %s, '{{}}', 'delivered', {now_sql}, {now_sql}, '', 0, '')")
    enqueue_ms, bare_ms = [], []
    for i in range(n):
        t0 = time.perf_counter()
        with transaction.atomic():
            notify([users[i % len(users)]], "overdue", f"事件 {i} 已超期", key=f"bench1:{stamp}:{i}")
        enqueue_ms.append((time.perf_counter() - t0) * 1000)
    with connection.cursor() as cursor:
        for i in range(n):
            t0 = time.perf_counter()
            with transaction.atomic():
                cursor.execute(bare_sql, [f"bench-bare:{stamp}:{i}"])
            bare_ms.append((time.perf_counter() - t0) * 1000)
    ctx.record("outbox.enqueue.median", percentile(enqueue_ms, 50), "ms", limit=percentile(bare_ms, 50),
               limit_name="bare insert of one outbox row")


def run(ctx: Context) -> None:
    from django.db import transaction
    from django.test.utils import override_settings

    from core import audit
    from notify import outbox
    from notify.models import Notification, OutboxMessage
    from notify.services import Notice, notify_many

    n = 200 if ctx.tiny else 10000
    users = _recipients(20)
    stamp = time.time_ns()
    with override_settings(OUTBOX_KICK=False), audit.acting_as(name="bench", source="bench"):
        _single(ctx, users, stamp)
        outbox.dispatch_all()  # deliver the single-call rows outside the measured dispatch

        notices = [Notice([users[i % len(users)]], "overdue", f"事件 {i} 已超期", link=f"/events/{i}/",
                          key=f"bench:{stamp}:{i}") for i in range(n)]
        gc.collect()  # a full collection inside a measured section costs ~0.3 s with Django loaded
        t0 = time.perf_counter()
        with transaction.atomic():
            notify_many(notices)
        many_s = time.perf_counter() - t0
        bare_rows = [OutboxMessage(kind="bench", key=f"bench-bulk:{stamp}:{i}", payload={}, status="delivered")
                     for i in range(n)]
        gc.collect()
        t0 = time.perf_counter()
        with transaction.atomic():
            OutboxMessage.objects.bulk_create(bare_rows, batch_size=500)
        bare_many_s = time.perf_counter() - t0

        rows = [Notification(user_id=users[i % len(users)].pk, recipient=f"user:{users[i % len(users)].pk}",
                             division_id="321002106000", kind="overdue", title="bare", key=f"bench-bulk:{stamp}:{i}")
                for i in range(n)]
        gc.collect()
        t0 = time.perf_counter()
        with transaction.atomic():
            Notification.objects.bulk_create(rows, batch_size=500)
        bulk_s = time.perf_counter() - t0
        gc.collect()
        t0 = time.perf_counter()
        result = outbox.dispatch_all(batch=200)
        dispatch_s = time.perf_counter() - t0
    assert len(result.delivered) == n, result
    ctx.dataset["outbox_rows"] = n
    ctx.record("outbox.enqueue_many.throughput", n / many_s, "rows/s", limit=n / bare_many_s,
               limit_name="bare bulk insert of the outbox rows")
    ctx.record("outbox.dispatch.throughput", n / dispatch_s, "rows/s", limit=n / bulk_s,
               limit_name="bulk insert of the inbox rows")
