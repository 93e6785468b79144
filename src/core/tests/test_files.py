"""A file is written only when the transaction that records it commits."""
import pytest
from django.core.files.storage import default_storage
from django.db import transaction

from core.files import store_on_commit

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_rollback_leaves_no_file() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        name = store_on_commit("tests/rolled-back.txt", b"x")
        raise RuntimeError("the row is not saved")
    assert not default_storage.exists(name)


def test_a_commit_writes_the_file_under_the_returned_name() -> None:
    with transaction.atomic():
        name = store_on_commit("tests/kept.txt", b"kept")
        assert not default_storage.exists(name)  # not before the commit
    with default_storage.open(name, "rb") as f:
        assert f.read() == b"kept"
    assert name.startswith("tests/") and name.endswith("-kept.txt")
    default_storage.delete(name)
