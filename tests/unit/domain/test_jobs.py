"""When a failed job runs again, and when a worker has lost a job it was running."""

from datetime import UTC, datetime, timedelta

import pytest

from archive.domain.jobs import (
    backoff_seconds,
    lease_expiry,
    lease_is_lost,
    next_run_after,
    renew_interval,
    should_retry,
)

NOW = datetime(2026, 11, 22, 13, 0, 0, tzinfo=UTC)
FIFTEEN_MINUTES = 15 * 60.0


@pytest.mark.parametrize(
    ("attempt", "seconds"),
    [
        (1, 5.0),
        (2, 10.0),
        (3, 20.0),
        (4, 40.0),
        (5, 80.0),
        (6, 160.0),
        (7, 320.0),
        (8, 640.0),
        # 1280 s would be next: capped at 15 minutes from here on
        (9, FIFTEEN_MINUTES),
        (10, FIFTEEN_MINUTES),
        (64, FIFTEEN_MINUTES),
    ],
)
def test_backoff_doubles_from_five_seconds_up_to_fifteen_minutes(
    attempt: int, seconds: float
) -> None:
    delay = backoff_seconds(attempt)
    assert isinstance(delay, float)
    assert delay == seconds
    assert next_run_after(NOW, attempt) == NOW + timedelta(seconds=seconds)


@pytest.mark.parametrize(("base", "attempt", "seconds"), [(1.0, 1, 1.0), (1.0, 4, 8.0)])
def test_backoff_with_another_base(base: float, attempt: int, seconds: float) -> None:
    assert backoff_seconds(attempt, base=base) == seconds


def test_backoff_cap_holds_for_any_base() -> None:
    assert backoff_seconds(1, base=3600.0) == FIFTEEN_MINUTES


@pytest.mark.parametrize("attempt", [1025, 2000, 10**6])
def test_backoff_stays_capped_for_very_many_attempts(attempt: int) -> None:
    # ARCHIVE_JOB_MAX_ATTEMPTS has no upper bound; 2.0 ** 1024 no longer fits a float
    assert backoff_seconds(attempt) == FIFTEEN_MINUTES


@pytest.mark.parametrize("attempt", [0, -1, -100])
def test_attempts_are_counted_from_one(attempt: int) -> None:
    with pytest.raises(ValueError, match="start at 1"):
        backoff_seconds(attempt)


@pytest.mark.parametrize(
    ("attempts", "max_attempts", "retry"),
    [
        (1, 3, True),
        (2, 3, True),
        (3, 3, False),
        (4, 3, False),
        (1, 1, False),
        (0, 1, True),
    ],
)
def test_should_retry(attempts: int, max_attempts: int, retry: bool) -> None:
    assert should_retry(attempts, max_attempts) is retry


@pytest.mark.parametrize(
    ("lease_seconds", "expires"),
    [
        (60.0, NOW + timedelta(minutes=1)),
        (0.5, NOW + timedelta(milliseconds=500)),
        (3600.0, NOW + timedelta(hours=1)),
    ],
)
def test_lease_expiry(lease_seconds: float, expires: datetime) -> None:
    assert lease_expiry(NOW, lease_seconds) == expires


@pytest.mark.parametrize(("lease_seconds", "interval"), [(60.0, 20.0), (90.0, 30.0), (3.0, 1.0)])
def test_a_lease_is_renewed_three_times_per_lease(lease_seconds: float, interval: float) -> None:
    assert renew_interval(lease_seconds) == pytest.approx(interval)
    # after two missed renewals the lease still has a third of its time left
    assert lease_seconds - 2 * renew_interval(lease_seconds) > 0


@pytest.mark.parametrize(
    ("expires_at", "lost"),
    [
        (None, True),
        (NOW - timedelta(minutes=5), True),
        (NOW - timedelta(microseconds=1), True),
        (NOW, True),
        (NOW + timedelta(microseconds=1), False),
        (NOW + timedelta(seconds=60), False),
    ],
)
def test_lease_is_lost(expires_at: datetime | None, lost: bool) -> None:
    assert lease_is_lost(expires_at, NOW) is lost


def test_a_fresh_lease_is_held_until_it_expires() -> None:
    expires = lease_expiry(NOW, 60.0)
    assert not lease_is_lost(expires, NOW + timedelta(seconds=59))
    assert lease_is_lost(expires, NOW + timedelta(seconds=60))
