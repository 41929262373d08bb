"""The limit on sign-in attempts, per username and per address. The clock is passed in."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.accounts.signin import LoginLimiter
from archive.domain.ratelimit import TokenBuckets, share_of
from archive.errors import TooManyRequests
from archive.settings import Settings


def limiter() -> LoginLimiter:
    return LoginLimiter.from_settings(Settings(data_dir=Path("/nonexistent-unused")))


def test_five_attempts_then_one_every_twelve_seconds_per_username() -> None:
    gate = limiter()
    for attempt in range(5):
        gate.take("rosa", f"10.0.0.{attempt}", now=100.0)
    with pytest.raises(TooManyRequests) as refused:
        gate.take("ROSA", "10.0.0.9", now=100.0)  # letter case does not make a new bucket
    assert refused.value.headers["Retry-After"] == "12"
    assert "Wait 12 s" in refused.value.detail
    gate.take("tomas", "10.0.0.9", now=100.0)  # other names are not held up
    with pytest.raises(TooManyRequests) as later:
        gate.take("rosa", "10.0.0.9", now=105.0)
    assert later.value.headers["Retry-After"] == "7"
    gate.take("rosa", "10.0.0.9", now=112.5)


def test_one_address_trying_many_names_is_slowed_too() -> None:
    gate = LoginLimiter(TokenBuckets(5, 1 / 12), TokenBuckets(3, 1 / 2))
    for name in ("ana", "bea", "carl"):
        gate.take(name, "203.0.113.7", now=0.0)
    with pytest.raises(TooManyRequests) as refused:
        gate.take("dora", "203.0.113.7", now=0.0)
    assert refused.value.headers["Retry-After"] == "2"
    gate.take("dora", "198.51.100.1", now=0.0)
    gate.take("dora", "203.0.113.7", now=2.0)


@pytest.mark.parametrize("processes", [1, 2, 3, 4, 7])
def test_processes_sharing_a_limit_allow_no_more_than_it_together(processes: int) -> None:
    """Each process has its own buckets; whichever of them the attempts reach, together they
    allow the burst (rounded up to a whole attempt per process) and then its rate."""
    shares = [share_of(5, 1 / 12, processes=processes) for _ in range(processes)]
    allowed_at_once = sum(1 for share in shares for _ in range(10) if share.take("rosa", 0.0) == 0)
    assert 5 <= allowed_at_once <= 5 + processes - 1
    allowed_in_a_minute = sum(
        1 for share in shares for second in range(1, 61) if share.take("rosa", float(second)) == 0
    )
    assert allowed_in_a_minute <= 5 + processes  # one every 12 s, each share at its part
