"""The job life cycle and retry policy, free of I/O.

queued --claim--> running --finish--> done
                     |--error, attempts left--> queued (run_after = now + backoff)
                     |--error, none left------> failed
                     |--lease expires---------> claimable again (a worker died)
                     `--release (shutdown)----> queued, the attempt not counted
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class JobKind(StrEnum):
    TRANSCRIBE = "transcribe"
    INDEX = "index"
    FIXITY = "fixity"
    FIXITY_AUDIT = "fixity_audit"
    """A slice of an audit of every original (or a sample); it queues the rest."""
    EXPIRE_UPLOAD = "expire_upload"
    SILENCE = "silence"
    """Make a recording's listening copy with its restricted spans silent."""
    TRANSLATE = "translate"
    """Make a recording's English translation track."""


class JobLane(StrEnum):
    """Which workers take a job. Transcription takes minutes per recording; the jobs that keep
    the archive correct (index updates, listening copies, upload expiry, fixity) take seconds
    and must never wait behind it, so they have a lane of their own."""

    FAST = "fast"
    TRANSCRIBE = "transcribe"


ALL_LANES = (JobLane.FAST, JobLane.TRANSCRIBE)
"""Every lane, in the order a worker of several lanes looks in them: the fast one first."""


def lane_of(kind: str) -> JobLane:
    """Transcription and translation are slow; every other kind, and one this version does not
    know, is fast."""
    slow = (JobKind.TRANSCRIBE, JobKind.TRANSLATE)
    return JobLane.TRANSCRIBE if kind in slow else JobLane.FAST


BACKOFF_BASE_SECONDS = 5.0
BACKOFF_CAP_SECONDS = 15 * 60.0


def backoff_seconds(attempt: int, *, base: float = BACKOFF_BASE_SECONDS) -> float:
    """Delay before retrying after failed attempt number `attempt` (1-based): 5 s, 10 s,
    20 s, ... up to 15 minutes, so a backend that is away is not hammered."""
    if attempt < 1:
        raise ValueError("attempt numbers start at 1")
    return float(min(base * 2 ** min(attempt - 1, 32), BACKOFF_CAP_SECONDS))


def next_run_after(now: datetime, attempt: int) -> datetime:
    return now + timedelta(seconds=backoff_seconds(attempt))


def should_retry(attempts: int, max_attempts: int) -> bool:
    return attempts < max_attempts


def lease_expiry(now: datetime, lease_seconds: float) -> datetime:
    return now + timedelta(seconds=lease_seconds)


def renew_interval(lease_seconds: float) -> float:
    """Renewing at a third of the lease survives two missed renewals before the lease lapses."""
    return lease_seconds / 3.0


def lease_is_lost(expires_at: datetime | None, now: datetime) -> bool:
    return expires_at is None or expires_at <= now
