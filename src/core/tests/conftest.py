"""Core test fixtures: each test writes audit anchors to a file of its own."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _own_anchor_file(settings: Any, tmp_path: Path) -> Path:
    settings.AUDIT_ANCHOR_FILE = tmp_path / "audit-anchors.jsonl"
    return settings.AUDIT_ANCHOR_FILE
