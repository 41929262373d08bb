from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from archive.models import Job, Recording


def stored_objects(objects_dir: Path) -> list[Path]:
    """Every file in the object store, half-written ones included."""
    if not objects_dir.exists():
        return []
    return sorted(p for p in objects_dir.rglob("*") if p.is_file())


def counts(sessions: sessionmaker[Session]) -> tuple[int, int]:
    """(recordings, jobs) in the database."""
    with sessions() as session:
        recordings = session.scalar(select(func.count()).select_from(Recording)) or 0
        jobs = session.scalar(select(func.count()).select_from(Job)) or 0
    return recordings, jobs
