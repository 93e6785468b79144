"""Each citizen test counts its rate limits afresh: with REDIS_URL (./test --postgres) the counters
live in Redis, outside the rolled-back test transaction, so a per-test key prefix keeps them apart."""
from __future__ import annotations

import uuid

import pytest


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings) -> None:  # noqa: ANN001
    settings.RATELIMIT_CACHE_PREFIX = f"rl:test-{uuid.uuid4().hex[:12]}:"
