"""Modules found by convention in each platform app (demo.py, nav.py, tests/scoping_cases.py)."""
from __future__ import annotations

import importlib
from types import ModuleType


def optional_module(app: str, name: str) -> ModuleType | None:
    """`<app>.<name>` if the app has it, else None (an import error inside it still raises)."""
    try:
        return importlib.import_module(f"{app}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"{app}.{name}":
            return None
        raise
