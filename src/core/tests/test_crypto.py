"""SM3 and SM4 come from maintained libraries and match the standards' own test vectors."""
from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from core import crypto


def test_sm4_matches_the_gbt_32907_example() -> None:
    # GB/T 32907-2016 Appendix A, example 1: key = plaintext = 0123456789abcdeffedcba9876543210.
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    assert (encryptor.update(key) + encryptor.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"


def test_sm3_matches_the_gbt_32905_examples() -> None:
    # GB/T 32905-2016 Appendix A: "abc" and "abcd" × 16.
    assert crypto.sm3("abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert crypto.sm3("abcd" * 16) == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


def test_a_value_round_trips_and_its_stored_text_holds_no_digit() -> None:
    stored = crypto.encrypt("13812341234", "phone")
    assert stored.startswith("gm:") and not any(c.isdigit() for c in stored)
    assert crypto.decrypt(stored, "phone") == "13812341234"
    assert crypto.encrypt("13812341234", "phone") != stored  # a fresh nonce every time


def test_an_altered_ciphertext_or_another_context_does_not_decrypt() -> None:
    stored = crypto.encrypt("13812341234", "phone")
    flipped = stored[:-1] + ("a" if stored[-1] != "a" else "b")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(flipped, "phone")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(stored, "id_card")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt("gm:zzzzzzzz:abcd", "phone")


def test_a_rotated_key_still_decrypts_old_values(settings) -> None:  # noqa: ANN001
    settings.PERSONAL_DATA_KEY = "old-master"
    stored = crypto.encrypt("320102199001011234", "id_card")
    settings.PERSONAL_DATA_KEY = "new-master"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(stored, "id_card")
    settings.PERSONAL_DATA_OLD_KEYS = ["old-master"]
    assert crypto.decrypt(stored, "id_card") == "320102199001011234"
    assert crypto.encrypt("x", "id_card").split(":")[1] != stored.split(":")[1]  # new values use the new key


def test_lookup_hashes_are_keyed(settings) -> None:  # noqa: ANN001
    settings.PERSONAL_DATA_KEY = "one"
    first = crypto.lookup_hash("13812341234", "phone")
    assert first == crypto.lookup_hash("13812341234", "phone")
    assert first != crypto.sm3("phone:13812341234")  # not a bare digest anyone could brute-force
    settings.PERSONAL_DATA_KEY = "two"
    assert crypto.lookup_hash("13812341234", "phone") != first


def test_keys_come_from_the_environment_or_a_file(monkeypatch, tmp_path) -> None:  # noqa: ANN001
    from config.settings import envsecret

    monkeypatch.setenv("PERSONAL_DATA_KEY", "from-env")
    assert envsecret("PERSONAL_DATA_KEY") == "from-env"
    secret = tmp_path / "key"
    secret.write_text("from-file\n", encoding="utf-8")
    monkeypatch.setenv("PERSONAL_DATA_KEY_FILE", str(secret))
    assert envsecret("PERSONAL_DATA_KEY") == "from-file"  # the file wins, without its newline
