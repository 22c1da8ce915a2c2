"""Password hashes for the configuration, and checking a login against them."""

from __future__ import annotations

import pytest

from switchboard.config.passwords import hash_password, verify_password


def test_a_hash_verifies_its_password_only() -> None:
    # Given a hash made for a password with spaces and accents
    password_hash = hash_password("correct horse é")

    # Then it is argon2id, salted, and accepts that password and no other
    assert password_hash.startswith("$argon2id$")
    assert password_hash != hash_password("correct horse é")
    assert verify_password(password_hash, "correct horse é")
    assert not verify_password(password_hash, "correct horse e")
    assert not verify_password(password_hash, "")


def test_a_damaged_hash_verifies_nothing() -> None:
    assert not verify_password("$argon2id$v=19$m=65536,t=3,p=4$broken", "anything")
    assert not verify_password("not a hash at all", "anything")


def test_an_empty_password_is_refused() -> None:
    with pytest.raises(ValueError, match="empty password"):
        hash_password("")
