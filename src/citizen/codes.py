"""Query codes (查询码) of citizen reports: random, unguessable, short enough to type.

10 characters from a 31-letter alphabet without look-alikes (no 0/O, 1/I/L): 31^10 ≈ 8.2 × 10^14
codes (49 bits) drawn with `secrets`, so with the status page limited to `CITIZEN_LOOKUP_RATE`
lookups per address and hour, guessing one is hopeless. Shown as two groups of five
(`ABCDE-FGHJK`); read back ignoring case, spaces and hyphens.
"""
from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 10


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(text: str) -> str | None:
    """The code as stored, or None when the text cannot be a code (wrong length or letters)."""
    value = re.sub(r"[\s\-－—_]", "", text or "").upper()
    if len(value) != LENGTH or any(ch not in ALPHABET for ch in value):
        return None
    return value


def display(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"
