"""Run the on-commit work of code called inside a test's transaction.

pytest-django's default tests run inside a transaction that is never committed, so work
registered with `transaction.on_commit` (files from `core.files.store_on_commit`, outbox
dispatch requests) would never happen. Fixtures that need the files wrap their calls in
`committed()`; the callbacks then run when the block ends, as they would after a real commit.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.test import TestCase


@contextmanager
def committed() -> Iterator[None]:
    """Execute the on-commit callbacks registered inside the block when it exits."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        yield
