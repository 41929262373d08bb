"""The workers' heartbeat rows: who is working, on what, last seen when (read by health)."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.db.base import utcnow
from archive.models import WorkerHeartbeat


def beat(
    session: Session,
    name: str,
    *,
    current_job_id: uuid.UUID | None,
    jobs_done: int,
    stopping: bool = False,
) -> None:
    """Records that worker `name` (this process) is alive now; a stopping worker's row goes."""
    row = session.get(WorkerHeartbeat, name)
    if row is None:
        row = WorkerHeartbeat(name=name, hostname=socket.gethostname(), pid=os.getpid())
        session.add(row)
    row.last_seen_at = utcnow()
    row.current_job_id = current_job_id
    row.jobs_done = jobs_done
    if stopping:
        session.delete(row)


def seen_since(session: Session, since: datetime) -> Sequence[WorkerHeartbeat]:
    """The workers that reported at or after `since`."""
    return session.scalars(
        select(WorkerHeartbeat).where(WorkerHeartbeat.last_seen_at >= since)
    ).all()
