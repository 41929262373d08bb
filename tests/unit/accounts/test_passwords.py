"""Which passwords are refused, and argon2id hashing with upgrade. No database."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.accounts.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    Passwords,
    password_problem,
    passwords_from,
)
from archive.settings import Settings, SettingsError


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("", f"at least {MIN_LENGTH}"),
        ("elevenchars", f"at least {MIN_LENGTH}"),
        ("x" * (MAX_LENGTH + 1), "longer than"),
        ("aaaaaaaaaaaa", "same few characters"),
        ("abcabcabcabc", "same few characters"),
        ("rosa-and-the-river", "contains the username"),
        ("The ROSA of the river", "contains the username"),
        ("0123456789012", "run of neighbouring"),
        ("zyxwvutsrqpon", "run of neighbouring"),
        ("asdfghjklzxcv", "run of neighbouring"),
        ("1qaz2wsx3edc4rfv", "run of neighbouring"),
        ("Password2024!", "common word"),
        ("P@ssw0rd2024", "common word"),
        ("2024password", "common word"),
        ("letmein12345", "common word"),
        ("welcomewelcome", "common word"),
        ("Password1!Password1!", "common word"),
        ("@dmin2024!!!", "common word"),
        ("198703151234", "all digits"),
        ("+44 7700 900123", "all digits"),
    ],
)
def test_an_obviously_weak_password_is_refused_with_the_reason(password: str, why: str) -> None:
    problem = password_problem(password, "rosa")
    assert problem is not None
    assert why in problem
    assert "A few unrelated words" in problem or "shorter" in problem


@pytest.mark.parametrize(
    "password",
    [
        "kettle purple orbit lantern",
        "Mamá cantaba junto al río",
        "correct-horse-battery-staple",
        "ro sa is not a run 1234",
        "brindle9Okra",  # exactly twelve
        "the river " * (MAX_LENGTH // 10) + "ends",  # exactly the longest allowed
    ],
)
def test_a_reasonable_password_passes(password: str) -> None:
    assert MIN_LENGTH <= len(password) <= MAX_LENGTH
    assert password_problem(password, "rosa") is None


def test_a_short_username_inside_a_password_is_not_held_against_it() -> None:
    assert password_problem("kettle purple orbit lantern", "or") is None


UNUSED = Path("/nonexistent-unused")
CHEAP = Passwords(time_cost=1, memory_kib=1024, parallelism=1)


def test_a_hash_is_argon2id_salted_and_verifies_only_the_right_password() -> None:
    first, second = CHEAP.hash("kettle purple orbit"), CHEAP.hash("kettle purple orbit")
    assert first.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert first != second  # salted
    assert CHEAP.verify(first, "kettle purple orbit")
    assert not CHEAP.verify(first, "kettle purple orbiT")
    assert not CHEAP.verify("not a hash at all", "kettle purple orbit")
    assert not CHEAP.needs_rehash(first)


def test_a_hash_made_with_other_parameters_or_unreadable_needs_rehashing() -> None:
    stronger = Passwords(time_cost=2, memory_kib=2048, parallelism=1)
    old = CHEAP.hash("kettle purple orbit")
    assert stronger.needs_rehash(old)
    assert stronger.verify(old, "kettle purple orbit")  # still verifies: parameters are in it
    assert stronger.needs_rehash("$2b$12$an.old.bcrypt.hash.............................")


def test_verifying_for_nobody_spends_a_verification_and_answers_nothing() -> None:
    assert CHEAP.verify_nobody("anything at all") is None  # type: ignore[func-returns-value]
    assert CHEAP._dummy_hash.startswith("$argon2id$v=19$m=1024,t=1,p=1$")


def test_the_default_parameters_are_owasps_argon2id_minimum() -> None:
    passwords = passwords_from(Settings(data_dir=UNUSED))
    assert passwords.hash("kettle purple orbit").startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_too_little_memory_for_the_parallelism_is_a_setting_error() -> None:
    with pytest.raises(SettingsError, match="ARCHIVE_PASSWORD_MEMORY_KIB"):
        passwords_from(
            Settings(data_dir="/nonexistent-unused", password_memory_kib=16, password_parallelism=4)
        )
