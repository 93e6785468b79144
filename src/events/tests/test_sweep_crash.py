"""Issue 9 acceptance: "An event left overdue is escalated exactly once — with two sweeps running
concurrently on PostgreSQL, and with a sweep killed midway and run again", and "a notification
queued in the outbox whose worker is killed before delivery is delivered after restart, once" for
an escalation. Real processes (`manage.py sweep_events`, `manage.py dispatch_outbox`, SIGKILL) on
a database of their own, through notify's harness (a migrated SQLite file, and a PostgreSQL database
from a migrated template when the suite runs with `./test --postgres`)."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

from notify.tests import test_outbox_crash as harness
from notify.tests.test_outbox_crash import SRC, Place, _env, _run, _wait_for_leases

templates = harness.templates  # the fixtures: a migrated database per backend, one copy per test
place = harness.place

EVENTS = 120


def _kill_paused(place: Place, mode: str) -> None:
    paused = place.home / "paused"
    proc = subprocess.Popen([sys.executable, "-m", "events.tests.sweeper", mode], cwd=SRC,
                            env=_env(place, WORKER_PAUSED=str(paused)), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not paused.exists():
        assert proc.poll() is None, proc.communicate()[1].decode()
        assert time.monotonic() < deadline, "the process never reached the pause"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def _escalated(out: str) -> int:
    return int(out.split("escalated ")[1].split(",")[0])


def _state(place: Place) -> list[tuple]:
    return place.query("SELECT level, version, count(*) FROM events_event GROUP BY level, version ORDER BY 1, 2")


def test_a_sweep_killed_midway_escalated_nothing_and_the_rerun_escalates_each_event_once(place: Place) -> None:
    _run(place, "-m", "events.tests.sweeper", "seed", str(EVENTS))
    _kill_paused(place, "die-sweep")
    assert _state(place) == [("town", 1, EVENTS)], "the killed sweep's transaction rolled back whole"
    assert place.query("SELECT count(*) FROM events_escalation") == [(0,)]

    assert _escalated(_run(place, "manage.py", "sweep_events")) == EVENTS
    assert _escalated(_run(place, "manage.py", "sweep_events")) == 0, "run twice: nothing more"
    assert _state(place) == [("county", 2, EVENTS)]
    assert place.query("SELECT count(*), count(DISTINCT event_id) FROM events_escalation") == [(EVENTS, EVENTS)]
    assert place.query("SELECT count(*) FROM events_step WHERE action = 'escalate'") == [(EVENTS,)]
    [(payload,)] = place.query("SELECT payload FROM notify_outboxmessage WHERE key LIKE 'escalated:%'")
    payload = json.loads(payload) if isinstance(payload, str) else payload
    assert len(payload["escalated"]) == EVENTS, "one outbox row tells of the whole batch"


def test_two_sweeps_at_once_escalate_each_event_exactly_once(place: Place) -> None:
    _run(place, "-m", "events.tests.sweeper", "seed", str(EVENTS))
    sweeps = [subprocess.Popen([sys.executable, "manage.py", "sweep_events"], cwd=SRC, env=_env(place),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [s.communicate(timeout=180) for s in sweeps]
    assert all(s.returncode == 0 for s in sweeps), [err for _, err in outputs]
    assert sum(_escalated(out) for out, _ in outputs) == EVENTS, outputs
    assert _state(place) == [("county", 2, EVENTS)]
    assert place.query("SELECT count(*), count(DISTINCT event_id) FROM events_escalation") == [(EVENTS, EVENTS)]
    assert place.query("SELECT count(*), count(DISTINCT event_id) FROM events_step "
                       "WHERE action = 'escalate'") == [(EVENTS, EVENTS)]
    assert place.query("SELECT colour, count(*) FROM events_deadlinemark GROUP BY colour ORDER BY colour") == [
        ("red", EVENTS), ("yellow", EVENTS)]


def test_a_sweep_meeting_rows_another_sweep_holds_escalates_none_of_them(place: Place) -> None:
    """The race made certain: the first sweep holds its escalation transaction open; the second
    reads the same candidates, blocks on the locked rows (PostgreSQL) or the write lock (SQLite),
    and once the first commits its compare-and-set matches nothing."""
    _run(place, "-m", "events.tests.sweeper", "seed", str(EVENTS))
    paused = place.home / "paused"
    first = subprocess.Popen([sys.executable, "-m", "events.tests.sweeper", "hold-sweep"], cwd=SRC,
                             env=_env(place, WORKER_PAUSED=str(paused)), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not paused.exists():
        assert first.poll() is None, first.communicate()[1]
        assert time.monotonic() < deadline
        time.sleep(0.05)
    second = _run(place, "manage.py", "sweep_events")
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert (_escalated(out), _escalated(second)) == (EVENTS, 0)
    assert _state(place) == [("county", 2, EVENTS)]
    assert place.query("SELECT count(*), count(DISTINCT event_id) FROM events_escalation") == [(EVENTS, EVENTS)]


def test_an_escalation_notice_whose_dispatcher_was_killed_is_delivered_after_restart_once(place: Place) -> None:
    _run(place, "-m", "events.tests.sweeper", "seed", "1")
    assert _escalated(_run(place, "manage.py", "sweep_events")) == 1
    _kill_paused(place, "die-notify")
    assert place.query("SELECT count(*) FROM notify_notification") == [(0,)]
    assert place.query("SELECT count(*) FROM notify_outboxmessage WHERE kind = 'notify.send'") == [(0,)]

    _wait_for_leases(place)
    for _ in range(3):  # events.notify → notify.send → inbox; the third finds nothing
        _run(place, "manage.py", "dispatch_outbox")
    rows = place.query("SELECT kind, recipient, count(*) FROM notify_notification WHERE kind = 'escalated' "
                       "GROUP BY kind, recipient ORDER BY recipient")
    recipients = {r for _, r, _ in rows}
    [(centre,)] = place.query("SELECT id FROM accounts_user WHERE username = 'county-centre'")
    [(unit,)] = place.query("SELECT unit_id FROM events_event")
    assert {f"user:{centre}", f"unit:{unit}"} <= recipients  # (the world has another county centre user)
    assert {n for *_, n in rows} == {1}, "each recipient once"
    assert place.query("SELECT DISTINCT status FROM notify_outboxmessage") == [("delivered",)]
