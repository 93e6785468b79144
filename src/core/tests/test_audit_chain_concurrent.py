"""Several sealers at once (several Huey workers): every row sealed once, one chain, still verifiable."""
from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from core import auditchain
from core.models import AuditAnchor, AuditLog

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and concurrent writers need PostgreSQL")
def test_concurrent_sealers_and_writers_leave_one_valid_chain() -> None:
    for i in range(300):
        AuditLog.objects.create(action="create", model="x.Y", object_id=str(i), division_code="321002001000")
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def sealer() -> None:
        try:
            barrier.wait()
            for _ in range(5):
                auditchain.seal(batch=40)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    def writer() -> None:
        try:
            barrier.wait()
            for i in range(100):
                AuditLog.objects.create(action="update", model="x.Y", object_id=f"w{i}")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads: list[Any] = [threading.Thread(target=sealer) for _ in range(3)] + [threading.Thread(target=writer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    auditchain.seal()
    seqs = list(AuditLog.objects.order_by("seal_seq").values_list("seal_seq", flat=True))
    assert seqs == list(range(1, 401))
    report = auditchain.verify()
    assert report.ok, report.broken
    assert sum(a.rows for a in AuditAnchor.objects.filter(kind="seal")) == 400
