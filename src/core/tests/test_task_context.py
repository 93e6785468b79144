"""The request id follows a request into the Huey tasks it queued (core.tasking): the context at
enqueue time travels in the task message through real storage (a SQLite file, and Redis when
`./test --postgres` started one) and is bound in the worker thread while the task runs."""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from core import logcontext
from core.tasking import PlatformRedisHuey, PlatformSqliteHuey

BACKENDS = ["sqlite"] + (["redis"] if os.environ.get("REDIS_URL") else [])


@pytest.fixture(params=BACKENDS)
def huey(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "sqlite":
        queue = PlatformSqliteHuey("ctx-test", filename=str(tmp_path / "huey.db"))
    else:
        queue = PlatformRedisHuey(f"ctx-test-{os.getpid()}", url=os.environ["REDIS_URL"])
    queue.flush()
    yield queue
    queue.flush()


def _run_next_in_worker_thread(huey: Any) -> None:
    """What a consumer's worker thread does: dequeue, then execute (in a fresh thread context)."""
    errors: list[BaseException] = []

    def work() -> None:
        try:
            task = huey.dequeue()
            assert task is not None, "nothing was queued"
            huey.execute(task)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
            errors.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(30)
    assert not errors, errors


def test_a_task_runs_in_the_context_of_the_request_that_queued_it(huey: Any) -> None:
    seen: list[dict[str, str]] = []

    @huey.task()
    def record() -> None:
        seen.append(logcontext.current())

    with logcontext.bound({"request_id": "req-42", "user": "town-clerk"}):
        record()
    record()  # queued outside any request
    _run_next_in_worker_thread(huey)
    _run_next_in_worker_thread(huey)
    assert seen == [{"request_id": "req-42", "user": "town-clerk"}, {}]
    assert logcontext.current() == {}


def test_a_message_queued_by_an_older_release_still_runs(huey: Any) -> None:
    seen: list[dict[str, str]] = []

    @huey.task()
    def record(n: int) -> None:
        seen.append({"n": str(n), **logcontext.current()})

    task = record.s(7)
    bare = huey.serializer.serialize(huey._registry.create_message(task))  # no context envelope
    huey.storage.enqueue(bare, task.priority)
    _run_next_in_worker_thread(huey)
    assert seen == [{"n": "7"}]
