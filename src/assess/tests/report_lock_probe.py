"""Child process of `test_report_build_lets_writers_in.py`, run on a migrated SQLite *file* (the
suite's in-memory shared-cache database cannot show WAL locking): builds the small assessment world,
requests a county monthly report, then builds it in a thread — the build is slowed by `PAUSE`
seconds inside its read-only part, as a county month on a large database would be — while the main
thread takes an event intake (`events.services.event_report`). Prints one JSON line: how long the
intake took, whether it succeeded, and the report's state after the build.

Run as `manage.py shell -c "from assess.tests.report_lock_probe import main; main()"`."""
from __future__ import annotations

import datetime as dt
import json
import sys
import threading
import time
from typing import Any

PAUSE = 4.0   # seconds the build spends reading (its sections), with the intake in the middle


def main() -> None:
    from django.db import connection

    from assess import reports, services
    from assess.models import AssessReport
    from assess.periods import period_of
    from assess.tests import world as W
    from events.services import event_report

    aw = W.build()
    services.indicators_seed(city=aw.world.city)
    services.results_compute(division=aw.world.county, period=period_of("month", dt.date(2026, 3, 1)), as_of=W.AS_OF)
    report = services.report_request(user=aw.users["cc"], kind="monthly", division=aw.world.county,
                                     day=dt.date(2026, 3, 15))
    started, real_sections = threading.Event(), reports.sections
    outcome: dict[str, Any] = {}

    def slow_sections(division: Any, period: Any) -> Any:
        parts = real_sections(division, period)   # the real reads, then a long time "reading"
        started.set()
        time.sleep(PAUSE)
        return parts

    def build() -> None:
        try:
            services.report_execute(report.pk)
        except Exception as exc:  # noqa: BLE001 - reported to the parent
            outcome["build_error"] = repr(exc)
        finally:
            connection.close()

    reports.sections = slow_sections
    worker = threading.Thread(target=build)
    worker.start()
    assert started.wait(30), "the build did not start"
    t0 = time.monotonic()
    try:
        created = event_report(user=aw.users["cc"], channel="hotline", description="东关街路灯不亮（报告生成期间受理）",
                               address="东关街", client_id="lock-probe-1")
        outcome["intake_ok"] = created.created
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        outcome["intake_error"] = repr(exc)
    outcome["intake_seconds"] = round(time.monotonic() - t0, 3)
    outcome["build_running_during_intake"] = worker.is_alive()
    worker.join(60)
    report.refresh_from_db()
    outcome["report_status"] = report.status
    outcome["vendor"] = connection.vendor
    outcome["journal_mode"] = connection.cursor().execute("PRAGMA journal_mode").fetchone()[0]
    outcome["reports"] = AssessReport.objects.count()
    sys.stdout.write("PROBE " + json.dumps(outcome) + "\n")
