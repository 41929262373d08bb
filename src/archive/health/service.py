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
from archive.fixity.schemas import FixitySummary
from archive.fixity.service import summary as fixity_summary
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


class DatabaseState(BaseModel):
    """What the health report reads from the database."""

    workers: WorkersRead
    fixity: FixitySummary


class HealthRead(BaseModel):
    """Whether the archive works: the state of its database, object storage, search index
    and workers; `fixity` is the last audit of the originals (a failed or impossible audit
    does not make the archive `degraded`: it is for a person to act on, and
    `GET /api/v1/fixity` says what was found)."""

    status: Literal["ok", "degraded"]
    database: State
    storage: State
    search: State
    workers: WorkersRead
    fixity: FixitySummary | None


def _safely(check: str, probe: object) -> State:
    try:
        return "ok" if callable(probe) and probe() else "unavailable"
    except Exception:
        log.warning("health.check_failed check=%s", check, exc_info=True)
        return "unavailable"


def database_state(session: Session) -> DatabaseState:
    """The workers seen lately, the jobs by status and the last fixity audit; raises when the
    database is down."""
    repository.ping(session)
    rows = heartbeats.seen_since(session, utcnow() - WORKER_STALE_AFTER)
    workers = WorkersRead(
        status="ok" if rows else "none",
        alive=len(rows),
        workers=[WorkerRead.model_validate(r, from_attributes=True) for r in rows],
        jobs=count_by_status(session),
    )
    return DatabaseState(workers=workers, fixity=fixity_summary(session))


def check_health(
    database: Callable[[], DatabaseState], *, store: ObjectStore, index: SearchIndex
) -> HealthRead:
    """`database` reads `database_state` in a unit of work of the caller's."""
    workers = WorkersRead(status="none", alive=0, workers=[], jobs={})
    fixity: FixitySummary | None = None

    def database_ok() -> bool:
        nonlocal workers, fixity
        state = database()
        workers, fixity = state.workers, state.fixity
        return True

    states = {
        "database": _safely("database", database_ok),
        "storage": _safely("storage", store.ping),
        "search": _safely("search", index.ping),
    }
    overall: Literal["ok", "degraded"] = (
        "ok" if all(s == "ok" for s in states.values()) and workers.alive else "degraded"
    )
    return HealthRead(status=overall, workers=workers, fixity=fixity, **states)
