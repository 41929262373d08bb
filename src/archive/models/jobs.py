from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from archive.db.base import Base, UUIDPrimaryKey, utcnow


class Job(UUIDPrimaryKey, Base):
    """A unit of background work, written in the same transaction as what it is about.

    A worker owns a job while `lease_expires_at` is in the future; a worker that dies simply
    lets its lease run out and the job is claimed again.
    """

    __tablename__ = "jobs"
    # A claim reads one lane's queued jobs in `run_after` order straight off this index.
    __table_args__ = (Index("ix_jobs_claim", "lane", "status", "run_after", "created_at"),)

    kind: Mapped[str] = mapped_column(String(40))
    lane: Mapped[str] = mapped_column(String(20))
    """`domain.jobs.lane_of(kind)`: which workers take it."""
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=3)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(200), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    progress: Mapped[float] = mapped_column(default=0.0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class WorkerHeartbeat(Base):
    """What each worker process last said about itself, for `/api/v1/health`."""

    __tablename__ = "workers"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    current_job_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    jobs_done: Mapped[int] = mapped_column(default=0)
