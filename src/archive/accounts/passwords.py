"""Passwords: which ones we refuse, and argon2id hashing with upgrade at sign-in.

The policy (`password_problem`) is pure: it answers why a password is too easy to guess, in
words for the person choosing it, or None. The hasher (`Passwords`) holds no state but its
parameters and a dummy hash, which is verified when a sign-in names nobody, so that an unknown
username costs as much time as a wrong password and the answer's timing tells nothing.
"""

from __future__ import annotations

import re
import secrets
from functools import cached_property

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from archive.settings import Settings, SettingsError

MIN_LENGTH = 12
MAX_LENGTH = 1024
"""Long enough for any passphrase; short enough that nobody makes us hash a megabyte."""
MIN_DISTINCT = 5

# Words that start the guessing lists; a password that is one of them with digits or symbols
# around it ("Password2024!") falls to the first minutes of an attack.
COMMON_WORDS = frozenset(
    {
        "password", "passwort", "passwd", "pass", "qwerty", "qwertz", "azerty", "letmein",
        "welcome", "iloveyou", "admin", "administrator", "archive", "archivist", "monkey",
        "dragon", "football", "baseball", "soccer", "sunshine", "princess", "trustno",
        "changeme", "secret", "login", "master", "hello", "shadow", "superman", "batman",
        "starwars", "whatever", "freedom", "abc", "test", "guest", "user", "root", "default",
        "community", "story", "stories",
    }
)  # fmt: skip
SEQUENCES = (
    "0123456789" * 3,
    "abcdefghijklmnopqrstuvwxyz" * 2,
    "qwertyuiopasdfghjklzxcvbnm" * 2,
    "azertyuiopqsdfghjklmwxcvbn" * 2,
    "qwertzuiopasdfghjklyxcvbnm" * 2,
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p" * 2,
)
_UNLEET = str.maketrans("0134578@$!|", "oieastbasil")
ADVICE = "A few unrelated words, like a line only you would think of, make a strong one."


def password_problem(password: str, username: str) -> str | None:
    """Why `password` is too easy to guess for the account `username`, or None if it will do."""
    if len(password) < MIN_LENGTH:
        return (
            f"The password is {len(password)} characters long; use at least {MIN_LENGTH}. " + ADVICE
        )
    if len(password) > MAX_LENGTH:
        return f"The password is longer than {MAX_LENGTH} characters; use a shorter one."
    lowered = password.casefold()
    if len(set(lowered)) < MIN_DISTINCT:
        return (
            f"The password repeats the same few characters; use at least {MIN_DISTINCT} "
            "different ones. " + ADVICE
        )
    if len(username) >= 3 and username.casefold() in lowered:
        return "The password contains the username; choose one that does not. " + ADVICE
    if any(lowered in sequence or lowered in sequence[::-1] for sequence in SEQUENCES):
        return (
            "The password is a run of neighbouring keys, letters or digits; those are tried "
            "first. " + ADVICE
        )
    if any(_is_common_word_repeated(guess) for guess in _word_guesses(lowered)):
        return (
            "The password is a common word, repeated or dressed up with digits, symbols or "
            "look-alike letters; those are guessed within minutes. " + ADVICE
        )
    if sum(ch.isalpha() for ch in password) <= 2 and sum(
        ch.isdigit() for ch in password
    ) * 2 >= len(password):
        return (
            "The password is (almost) all digits, like a date or a phone number; those are "
            "guessed quickly. " + ADVICE
        )
    return None


def _word_guesses(lowered: str) -> set[str]:
    """The letters an attacker's rules would try: with digits and symbols dropped, and with
    those at the ends dropped and look-alikes read back as letters ("p@ssw0rd2024")."""
    core = re.sub(r"^\d+|[\d\W_]+$", "", lowered).translate(_UNLEET)
    return {
        "".join(ch for ch in lowered if ch.isalpha()),
        "".join(ch for ch in core if ch.isalpha()),
    }


def _is_common_word_repeated(letters: str) -> bool:
    """`letters` is one common word, once or over again ("passwordpassword")."""
    return any(
        len(letters) % len(word) == 0 and letters == word * (len(letters) // len(word))
        for word in COMMON_WORDS
        if letters
    )


class Passwords:
    """argon2id hashing with the configured parameters. Thread-safe; one per process."""

    def __init__(self, time_cost: int, memory_kib: int, *, parallelism: int) -> None:
        self.hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
        )

    @cached_property
    def _dummy_hash(self) -> str:
        return self.hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, stored_hash: str, password: str) -> bool:
        """Whether `password` matches; False also for a stored hash we cannot read."""
        try:
            return self.hasher.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def verify_nobody(self, password: str) -> None:
        """Spends the time a real verification would, for a sign-in that names nobody."""
        self.verify(self._dummy_hash, password)

    def needs_rehash(self, stored_hash: str) -> bool:
        """Whether the hash was made with other parameters than ours (upgrade it at sign-in)."""
        try:
            return self.hasher.check_needs_rehash(stored_hash)
        except InvalidHashError:
            return True


def passwords_from(settings: Settings) -> Passwords:
    if settings.password_memory_kib < 8 * settings.password_parallelism:
        raise SettingsError(
            "ARCHIVE_PASSWORD_MEMORY_KIB must be at least 8 times ARCHIVE_PASSWORD_PARALLELISM "
            f"({8 * settings.password_parallelism}); argon2 refuses less."
        )
    return Passwords(
        settings.password_time_cost,
        settings.password_memory_kib,
        parallelism=settings.password_parallelism,
    )
