"""The state of each backend, as a person operating the archive needs to see it.

The database is read through `database`, which the caller (the endpoint) runs in a unit of
work of its own: a database that does not answer is reported, not raised.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel
from sqlalchemy.orm import Session

from archive.db.base import utcnow
from archive.health import repository
from archive.jobs import heartbeats
from archive.jobs.queue import count_by_status
from archive.search.base import SearchIndex
from archive.storage.base import ObjectStore

log = logging.getLogger(__name__)

WORKER_STALE_AFTER = timedelta(seconds=30)
State = Literal["ok", "unavailable"]


class WorkerRead(BaseModel):
    """A worker process and what it last did."""

    name: str
    hostname: str
    pid: int
    last_seen_at: datetime
    current_job_id: uuid.UUID | None
    jobs_done: int


class WorkersRead(BaseModel):
    """The workers seen lately, and how many jobs there are in each state (queued, running,
    done, failed)."""

    status: Literal["ok", "none"]
    alive: int
    workers: list[WorkerRead]
    jobs: dict[str, int]


class HealthRead(BaseModel):
    """Whether the archive works: the state of its database, object storage, search index
    and workers."""

    status: Literal["ok", "degraded"]
    database: State
    storage: State
    search: State
    workers: WorkersRead


def _safely(check: str, probe: object) -> State:
    try:
        return "ok" if callable(probe) and probe() else "unavailable"
    except Exception:
        log.warning("health.check_failed check=%s", check, exc_info=True)
        return "unavailable"


def database_state(session: Session) -> WorkersRead:
    """The workers seen lately and the jobs by status; raises when the database is down."""
    repository.ping(session)
    rows = heartbeats.seen_since(session, utcnow() - WORKER_STALE_AFTER)
    return WorkersRead(
        status="ok" if rows else "none",
        alive=len(rows),
        workers=[WorkerRead.model_validate(r, from_attributes=True) for r in rows],
        jobs=count_by_status(session),
    )


def check_health(
    database: Callable[[], WorkersRead], *, store: ObjectStore, index: SearchIndex
) -> HealthRead:
    """`database` reads `database_state` in a unit of work of the caller's."""
    workers = WorkersRead(status="none", alive=0, workers=[], jobs={})

    def database_ok() -> bool:
        nonlocal workers
        workers = database()
        return True

    states = {
        "database": _safely("database", database_ok),
        "storage": _safely("storage", store.ping),
        "search": _safely("search", index.ping),
    }
    overall: Literal["ok", "degraded"] = (
        "ok" if all(s == "ok" for s in states.values()) and workers.alive else "degraded"
    )
    return HealthRead(status=overall, workers=workers, **states)
