"""What a job handler is given: its job, the backends, and the one way to commit its result."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from archive.db.session import transaction
from archive.ingest.transcriber import Transcriber
from archive.jobs import queue
from archive.jobs.queue import ClaimedJob
from archive.search.base import SearchIndex
from archive.settings import Settings
from archive.storage.base import ObjectStore

PROGRESS_INTERVAL_SECONDS = 1.0


class JobReleased(Exception):
    """The worker is shutting down; the job goes back to the queue, its attempt not counted."""


@dataclass
class JobContext:
    job: ClaimedJob
    worker: str
    sessions: sessionmaker[Session]
    store: ObjectStore
    index: SearchIndex
    transcriber: Callable[[], Transcriber]
    stop_requested: Callable[[], bool]
    spool_dir: Path
    settings: Settings
    _last_progress: float = field(default=0.0, init=False)

    @contextmanager
    def final_transaction(self) -> Iterator[Session]:
        """The handler's result and the job's end, committed together or not at all.

        Raises `queue.LeaseLost` (and rolls back) when another worker took the job over.
        """
        with transaction(self.sessions) as session:
            yield session
            queue.finish(session, self.job.id, worker=self.worker)

    def progress_due(self) -> bool:
        """True at most once a second, so progress reports do not crowd the database."""
        now = time.monotonic()
        if now - self._last_progress < PROGRESS_INTERVAL_SECONDS:
            return False
        self._last_progress = now
        return True

    def check_stop(self) -> None:
        if self.stop_requested():
            raise JobReleased
