"""audit.*: the cost of an audited save against a bare insert of the same row."""
from __future__ import annotations

import time

from bench.run import Context, percentile


def run(ctx: Context) -> None:
    from django.db import connection

    from core import audit
    from divisions.models import Division
    from org.models import Unit

    n = 50 if ctx.tiny else 2000
    Division.objects.get_or_create(code="321002001000", defaults=dict(name="东关街道", level="town", kind="街道"))
    audited, bare = [], []
    with audit.acting_as(name="bench", source="bench"):
        for i in range(n):
            t0 = time.perf_counter()
            Unit.objects.create(division_id="321002001000", name=f"bench-a-{i}", kind="bureau")
            audited.append((time.perf_counter() - t0) * 1000)
    with connection.cursor() as cursor:
        for i in range(n):
            t0 = time.perf_counter()
            cursor.execute("INSERT INTO org_unit (division_id, name, kind, code, \"order\") VALUES (%s, %s, %s, '', 0)",
                           ["321002001000", f"bench-b-{i}", "bureau"])
            bare.append((time.perf_counter() - t0) * 1000)
    ctx.dataset["audit_rows"] = n
    ctx.record("audit.save.median", percentile(audited, 50), "ms", limit=percentile(bare, 50), limit_name="bare insert")
