"""API tokens: random, shown once, stored only as a SHA-256 digest."""

from __future__ import annotations

import hashlib
import secrets
import threading
import uuid
from datetime import datetime, timedelta

TOKEN_PREFIX = "arch_"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class UseMarks:
    """Which stale `last_used_at` values of which tokens this process has set out to replace,
    and when. A busy client sends many requests at once; when its token's mark goes stale,
    every one of them reads the same stale value, and each writing it would queue them all
    behind the database's write lock (on SQLite, for tens of milliseconds each). With a claim
    per (token, value seen), one of them writes and the others only read. A claim lapses
    after `resolution`, so a write that was rolled back is made again by a later request."""

    def __init__(self, *, resolution: timedelta, kept: int = 10_000) -> None:
        self._resolution = resolution
        self._kept = kept
        self._claimed: dict[tuple[uuid.UUID, datetime | None], datetime] = {}
        self._lock = threading.Lock()

    def claim(self, token_id: uuid.UUID, *, seen: datetime | None, now: datetime) -> bool:
        """Whether this request is the one to replace `seen`, the token's stale mark."""
        key = (token_id, seen)
        with self._lock:
            claimed_at = self._claimed.get(key)
            if claimed_at is not None and now - claimed_at < self._resolution:
                return False
            if len(self._claimed) >= self._kept:
                self._claimed.clear()
            self._claimed[key] = now
            return True
