from typing import Any

import pytest


@pytest.fixture
def world(db: Any) -> Any:
    """The two-town test world (core.testing.world): divisions and its users."""
    from core.testing.world import build_world

    return build_world()
