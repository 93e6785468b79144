from typing import Iterator

import pytest


@pytest.fixture(autouse=True)
def _fresh_responsibility_cache() -> Iterator[None]:
    """Each test starts with an empty responsibility cache: test databases roll back to generation 0,
    so a cache built in one test would otherwise look current in the next."""
    from catalog import selectors

    selectors.responsibility_cache().clear()
    yield
    selectors.responsibility_cache().clear()
