"""The state of each backend, as a person operating the archive needs to see it."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from archive.db.base import utcnow
from archive.db.session import transaction
from archive.ingest.queue import count_by_status
from archive.models import WorkerHeartbeat
from archive.search.base import SearchIndex
from archive.settings import Settings
from archive.storage.base import ObjectStore

log = logging.getLogger(__name__)

WORKER_STALE_AFTER = timedelta(seconds=30)
State = Literal["ok", "unavailable"]


class WorkerRead(BaseModel):
    name: str
    hostname: str
    pid: int
    last_seen_at: datetime
    current_job_id: uuid.UUID | None
    jobs_done: int


class WorkersRead(BaseModel):
    status: Literal["ok", "none"]
    alive: int
    workers: list[WorkerRead]
    jobs: dict[str, int]


class HealthRead(BaseModel):
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


def check_health(
    sessions: sessionmaker[Session], store: ObjectStore, index: SearchIndex, settings: Settings
) -> HealthRead:
    workers = WorkersRead(status="none", alive=0, workers=[], jobs={})

    def database() -> bool:
        nonlocal workers
        with transaction(sessions) as session:
            session.execute(text("SELECT 1"))
            since = utcnow() - WORKER_STALE_AFTER
            rows = session.scalars(
                select(WorkerHeartbeat).where(WorkerHeartbeat.last_seen_at >= since)
            ).all()
            workers = WorkersRead(
                status="ok" if rows else "none",
                alive=len(rows),
                workers=[WorkerRead.model_validate(r, from_attributes=True) for r in rows],
                jobs=count_by_status(session),
            )
        return True

    states = {
        "database": _safely("database", database),
        "storage": _safely("storage", store.ping),
        "search": _safely("search", index.ping),
    }
    overall: Literal["ok", "degraded"] = (
        "ok" if all(s == "ok" for s in states.values()) and workers.alive else "degraded"
    )
    return HealthRead(status=overall, workers=workers, **states)
