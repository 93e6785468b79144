"""National cryptography (国密) for the platform: SM3 digests and HMAC-SM3, SM4 encryption of personal data.

GB/T 39786-2021 expects a government platform to protect personal information and the audit trail
with the national algorithms. Nothing here is home-made cryptography: SM3 comes from `hashlib`
(OpenSSL) and SM4 from the `cryptography` package (also OpenSSL); this module only chooses modes,
keys and encodings.

Keys (settings, read from the environment; `NAME_FILE` holds the secret in a file):

- `PERSONAL_DATA_KEY`: master secret for personal data. Two keys are derived from it with
  HMAC-SM3: the SM4 key (128 bits) and the lookup key of the keyed hashes. `PERSONAL_DATA_OLD_KEYS`
  (comma-separated) are earlier masters, still accepted for decryption after a rotation.
- `AUDIT_CHAIN_KEY`: the key of the audit log's HMAC-SM3 chain (`core.auditchain`).

Without a configured key (development, tests) both are derived from `SECRET_KEY`; `manage.py check
--deploy` reports that as an error.

Stored form of an encrypted value (`encrypt`): ``gm:<key id>:<payload>``, where the payload is the
12-byte nonce, the SM4-GCM ciphertext and the 16-byte tag, written with the letters a–p for the 16
nibble values (see `_letters`). The stored text therefore holds no digit at all: a leaked column, a
log line or a `LIKE '%1234%'` search finds nothing of a phone or ID-card number.
"""
from __future__ import annotations

import hashlib
import hmac
import os
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings

PREFIX = "gm:"
_NONCE = 12
_TAG = 16
_NIBBLES = "abcdefghijklmnop"


class DecryptionError(Exception):
    """A stored value could not be decrypted: the key is missing (misconfiguration) or the
    ciphertext was altered (tampering). Not the user's fault, so not a PlatformError: it is
    logged and answered as a 500."""


def sm3(data: bytes | str) -> str:
    """SM3 digest (GB/T 32905-2016) as 64 lowercase hex characters."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.new("sm3", data).hexdigest()


def hmac_sm3(key: bytes, data: bytes | str) -> str:
    """HMAC (RFC 2104) over SM3, as 64 lowercase hex characters."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hmac.new(key, data, "sm3").hexdigest()


def _letters(raw: bytes) -> str:
    """Bytes as text over the alphabet a–p (one letter per nibble): hex without digits."""
    return raw.hex().translate(str.maketrans("0123456789abcdef", _NIBBLES))


def _unletters(text: str) -> bytes:
    return bytes.fromhex(text.translate(str.maketrans(_NIBBLES, "0123456789abcdef")))


def _derive(master: str, purpose: str) -> bytes:
    return hmac.new(master.encode("utf-8"), f"jczl/{purpose}".encode(), "sm3").digest()


def _master(name: str) -> str:
    return str(getattr(settings, name, "") or "") or f"{settings.SECRET_KEY}/{name}"


class _Keys:
    """The derived keys of one master secret: SM4 key, its id (8 letters), lookup key."""

    def __init__(self, master: str) -> None:
        self.sm4 = _derive(master, "sm4-personal-data")[:16]
        self.lookup = _derive(master, "lookup-personal-data")
        self.key_id = _letters(hashlib.new("sm3", self.sm4).digest()[:4])


@lru_cache(maxsize=8)
def _keys_for(master: str) -> _Keys:
    return _Keys(master)


def current_keys() -> _Keys:
    return _keys_for(_master("PERSONAL_DATA_KEY"))


def _all_keys() -> dict[str, _Keys]:
    keys = {k.key_id: k for k in (_keys_for(m) for m in getattr(settings, "PERSONAL_DATA_OLD_KEYS", []) if m)}
    current = current_keys()
    keys[current.key_id] = current
    return keys


def audit_chain_key() -> bytes:
    """The HMAC-SM3 key of the audit chain (`AUDIT_CHAIN_KEY`, else derived from SECRET_KEY)."""
    return _derive(_master("AUDIT_CHAIN_KEY"), "audit-chain")


def is_encrypted(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def encrypt(plaintext: str, context: str) -> str:
    """SM4-GCM encryption of `plaintext` under the current key; `context` (e.g. "phone") is bound
    as associated data, so a value copied into a column of another kind does not decrypt."""
    keys = current_keys()
    nonce = os.urandom(_NONCE)
    encryptor = Cipher(algorithms.SM4(keys.sm4), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(context.encode())
    body = encryptor.update(plaintext.encode("utf-8")) + encryptor.finalize()
    return f"{PREFIX}{keys.key_id}:{_letters(nonce + body + encryptor.tag)}"


def decrypt(stored: str, context: str) -> str:
    """The plaintext of a value written by `encrypt`. Raises DecryptionError (unknown key id,
    malformed text, or a failed GCM tag: the ciphertext or its context was altered)."""
    try:
        _, key_id, payload = stored.split(":", 2)
        keys = _all_keys()[key_id]
        raw = _unletters(payload)
    except (ValueError, KeyError) as exc:
        raise DecryptionError("个人信息密文无法解密（密钥标识未知或格式损坏）") from exc
    nonce, body, tag = raw[:_NONCE], raw[_NONCE:-_TAG], raw[-_TAG:]
    decryptor = Cipher(algorithms.SM4(keys.sm4), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(context.encode())
    try:
        return (decryptor.update(body) + decryptor.finalize()).decode("utf-8")
    except InvalidTag as exc:
        raise DecryptionError("个人信息密文校验失败（密文被改动）") from exc


def lookup_hash(normalised: str, context: str) -> str:
    """Keyed SM3 (HMAC-SM3) of a normalised value, for exact-match lookups without decrypting.
    Keyed, so the 10^8 possible phone numbers cannot be hashed by someone without the key."""
    if not normalised:
        return ""
    return hmac_sm3(current_keys().lookup, f"{context}:{normalised}")
