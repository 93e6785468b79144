"""The BPMN templates shipped with the app (bpmn/templates/*.bpmn)."""
from __future__ import annotations

from functools import cache
from pathlib import Path

DIR = Path(__file__).resolve().parent / "bpmn" / "templates"
NAMES = ("approval", "penalty", "inspection", "public_service", "ten_step", "blank")


@cache
def template_bytes(name: str) -> bytes:
    if name not in NAMES:
        from core.errors import PlatformError

        raise PlatformError(f"没有名为 {name} 的模板")
    return (DIR / f"{name}.bpmn").read_bytes()
