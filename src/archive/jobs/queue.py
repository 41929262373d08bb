"""The jobs table as a queue: enqueue, claim with a lease, renew, finish, retry.

PostgreSQL claims with `SELECT ... FOR UPDATE SKIP LOCKED`, so many workers never wait on one
another; SQLite has one writer at a time and claims with a single `UPDATE ... RETURNING`.
Every state change after the claim names the lease owner, so a worker whose lease lapsed and
was taken over cannot finish, fail or release a job that is no longer its own.

Each job has a lane (`domain.jobs.JobLane`) and a worker claims from its own lanes only, so
index updates and listening copies never wait behind transcription. A claim looks in one lane
at a time and reads the first due job straight off the index on (lane, status, run_after,
created_at): its cost does not grow with the number of jobs queued.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.orm import Session

from archive.db.base import utcnow
from archive.domain.jobs import (
    ALL_LANES,
    JobLane,
    JobStatus,
    lane_of,
    lease_expiry,
    next_run_after,
    should_retry,
)
from archive.models import Job


class LeaseLost(Exception):
    """This worker no longer owns the job; its work must be rolled back, not committed."""


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    id: uuid.UUID
    kind: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int


def enqueue(
    session: Session,
    kind: str,
    *,
    payload: dict[str, Any],
    max_attempts: int = 3,
    run_after: datetime | None = None,
) -> Job:
    job = Job(
        kind=kind,
        lane=lane_of(kind),
        payload=payload,
        max_attempts=max_attempts,
        run_after=run_after or utcnow(),
    )
    session.add(job)
    session.flush()
    return job


def _lapsed(lane: JobLane, now: datetime) -> ColumnElement[bool]:
    """Running, but its worker stopped renewing the lease: it died."""
    return and_(Job.lane == lane, Job.status == JobStatus.RUNNING, Job.lease_expires_at < now)


def _due(lane: JobLane, now: datetime) -> ColumnElement[bool]:
    return and_(Job.lane == lane, Job.status == JobStatus.QUEUED, Job.run_after <= now)


def claim(
    session: Session,
    worker: str,
    *,
    lease_seconds: float,
    lanes: Sequence[JobLane] = ALL_LANES,
) -> ClaimedJob | None:
    """Takes a job for `worker` from the first of `lanes` that has one: a job whose lease
    lapsed (its worker died) first, else the queued job that has been due longest."""
    now = utcnow()
    for lane in lanes:
        for runnable in (_lapsed(lane, now), _due(lane, now)):
            job = _take(session, worker, lease_seconds=lease_seconds, now=now, runnable=runnable)
            if job is not None:
                return job
    return None


def _take(
    session: Session,
    worker: str,
    *,
    lease_seconds: float,
    now: datetime,
    runnable: ColumnElement[bool],
) -> ClaimedJob | None:
    candidates = select(Job.id).where(runnable).order_by(Job.run_after, Job.created_at).limit(1)
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    row = session.execute(
        update(Job)
        .where(Job.id == candidates.scalar_subquery(), runnable)
        .values(
            status=JobStatus.RUNNING,
            lease_owner=worker,
            lease_expires_at=lease_expiry(now, lease_seconds),
            attempts=Job.attempts + 1,
        )
        .returning(Job.id, Job.kind, Job.payload, Job.attempts, Job.max_attempts)
        .execution_options(synchronize_session=False)
    ).first()
    if row is None:
        return None
    return ClaimedJob(row.id, row.kind, dict(row.payload), row.attempts, row.max_attempts)


def _owned(job_id: uuid.UUID, worker: str) -> Any:
    return and_(Job.id == job_id, Job.lease_owner == worker, Job.status == JobStatus.RUNNING)


def _update_owned(session: Session, job_id: uuid.UUID, *, worker: str, **values: Any) -> bool:
    result = session.execute(
        update(Job)
        .where(_owned(job_id, worker))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def renew(session: Session, job_id: uuid.UUID, *, worker: str, lease_seconds: float) -> bool:
    return _update_owned(
        session, job_id, worker=worker, lease_expires_at=lease_expiry(utcnow(), lease_seconds)
    )


def set_progress(session: Session, job_id: uuid.UUID, *, worker: str, progress: float) -> bool:
    return _update_owned(session, job_id, worker=worker, progress=max(0.0, min(1.0, progress)))


def finish(session: Session, job_id: uuid.UUID, *, worker: str) -> None:
    """Marks the job done in the caller's transaction; raises `LeaseLost` if it is not ours,
    so the result written in the same transaction is rolled back with it."""
    if not _update_owned(
        session,
        job_id,
        worker=worker,
        status=JobStatus.DONE,
        progress=1.0,
        finished_at=utcnow(),
        lease_owner=None,
        lease_expires_at=None,
        last_error=None,
    ):
        raise LeaseLost(f"job {job_id} is no longer leased to {worker}")


def fail(session: Session, job: ClaimedJob, *, worker: str, error: str) -> bool:
    """Schedules a retry with backoff, or marks the job failed after its last attempt.
    Returns True when the job has failed for good."""
    now = utcnow()
    if should_retry(job.attempts, job.max_attempts):
        _update_owned(
            session,
            job.id,
            worker=worker,
            status=JobStatus.QUEUED,
            last_error=error,
            run_after=next_run_after(now, job.attempts),
            lease_owner=None,
            lease_expires_at=None,
        )
        return False
    _update_owned(
        session,
        job.id,
        worker=worker,
        status=JobStatus.FAILED,
        last_error=error,
        finished_at=now,
        lease_owner=None,
        lease_expires_at=None,
    )
    return True


def release(session: Session, job_id: uuid.UUID, *, worker: str) -> bool:
    """Gives the job back without counting the attempt (a worker shutting down)."""
    return _update_owned(
        session,
        job_id,
        worker=worker,
        status=JobStatus.QUEUED,
        lease_owner=None,
        lease_expires_at=None,
        attempts=Job.attempts - 1,
        run_after=utcnow(),
    )


def count_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(select(Job.status, func.count()).group_by(Job.status)).all()
    return dict(rows)
