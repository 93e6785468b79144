"""process_step.*: load a case, complete one step of the 10-step process, persist — with 100,000
open cases in the database, all created through the real case service (flows.services)."""
from __future__ import annotations

import random
import time

from bench.run import Context, percentile


def _world():  # noqa: ANN202
    from accounts.models import User
    from catalog.models import Item
    from divisions.models import Division
    from org.models import Unit

    for code, name, level, kind, parent in [("321000000000", "扬州市", "city", "市", None),
                                            ("321002000000", "广陵区", "county", "县级", "321000000000"),
                                            ("321002001000", "东关街道", "town", "街道", "321002000000")]:
        Division.objects.get_or_create(code=code, defaults=dict(name=name, level=level, kind=kind, parent_id=parent))
    unit = Unit.objects.get_or_create(division_id="321002001000", name="行政审批局", kind="bureau")[0]
    handler = User.objects.get_or_create(username="bench-handler", defaults=dict(
        division_id="321002001000", unit=unit, roles=["dept_handler"]))[0]
    editor = User.objects.get_or_create(username="bench-editor", defaults=dict(
        division_id="321002000000", roles=["reform_office"]))[0]
    item = Item.objects.get_or_create(code="BENCH-TEN-STEP", defaults=dict(
        name="十步流程（基准测试）", kind="other", legal_basis="基准测试", department_code="D01"))[0]
    return handler, editor, item


def run(ctx: Context) -> None:
    from django.db import connection

    from core import audit
    from flows import services
    from flows.models import Case
    from flows.templates_dir import template_bytes

    n_cases = 300 if ctx.tiny else 100_000
    n_steps = 30 if ctx.tiny else 1000
    handler, editor, item = _world()
    with audit.acting_as(name="bench", source="bench"):
        pm = services.processmap_import(user=editor, item=item, division_code="321002000000",
                                        xml=template_bytes("ten_step"))
        services.processmap_publish(user=editor, process_map=pm)
        t0 = time.perf_counter()
        chunk = 5000
        for start in range(0, n_cases, chunk):
            services.cases_start_bulk(user=handler, item=item, division_code="321002001000",
                                      count=min(chunk, n_cases - start))
        elapsed = time.perf_counter() - t0
    ctx.dataset["open_cases"] = Case.objects.count()
    ctx.record("process_step.start_bulk.throughput", n_cases / elapsed, "cases/s")

    # Warm the spec cache once (the first step of a process parses its document: ~2 ms, once).
    ids = list(Case.objects.values_list("id", flat=True))
    rng = random.Random(7)
    sample = rng.sample(ids, n_steps)
    timings, bare = [], []
    with audit.acting_as(handler, source="bench"):
        first = Case.objects.get(pk=sample[0])
        services.case_complete_task(user=handler, case_id=first.pk, task_id=first.ready_tasks[0]["id"])
        for cid in sample[1:]:
            task_id = Case.objects.filter(pk=cid).values_list("ready_tasks", flat=True).get()[0]["id"]
            t0 = time.perf_counter()
            services.case_complete_task(user=handler, case_id=cid, task_id=task_id, inputs={"note": "ok"})
            timings.append((time.perf_counter() - t0) * 1000)
    # The floor: read the same row and write its state back, with no workflow and no audit.
    with connection.cursor() as cursor:
        for cid in sample[1:]:
            t0 = time.perf_counter()
            cursor.execute("SELECT workflow_state, revision FROM flows_case WHERE id = %s", [cid])
            state, rev = cursor.fetchone()
            cursor.execute("UPDATE flows_case SET workflow_state = %s, revision = %s WHERE id = %s", [state, rev, cid])
            bare.append((time.perf_counter() - t0) * 1000)
    ctx.dataset["steps_timed"] = len(timings)
    ctx.record("process_step.median", percentile(timings, 50), "ms", limit=percentile(bare, 50),
               limit_name="bare row read + write")
    ctx.record("process_step.p95", percentile(timings, 95), "ms")
    size = Case.objects.filter(pk=sample[1]).values_list("workflow_state", flat=True).get()
    ctx.record("process_step.state_size", len(bytes(size)) / 1024, "KB")
