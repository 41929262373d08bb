from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from archive.models import Recording, Segment, Transcript


@dataclass(frozen=True, slots=True)
class VersionSummary:
    version: int
    source: str
    model: str | None
    author_id: uuid.UUID | None
    created_at: datetime
    segments: int


ORIGINAL = "original"
TRANSLATION = "translation"


def latest_transcript(
    session: Session, recording_id: uuid.UUID, *, kind: str = ORIGINAL
) -> Transcript | None:
    return session.scalar(
        select(Transcript)
        .where(Transcript.recording_id == recording_id, Transcript.kind == kind)
        .order_by(Transcript.version.desc())
        .options(selectinload(Transcript.segments))
        .limit(1)
    )


def transcript_version(
    session: Session, recording_id: uuid.UUID, *, version: int, kind: str = ORIGINAL
) -> Transcript | None:
    return session.scalar(
        select(Transcript)
        .where(
            Transcript.recording_id == recording_id,
            Transcript.kind == kind,
            Transcript.version == version,
        )
        .options(selectinload(Transcript.segments))
    )


def version_summaries(
    session: Session, recording_id: uuid.UUID, *, kind: str = ORIGINAL
) -> list[VersionSummary]:
    """Every version of a recording's transcript, newest first, with its segment count."""
    counts = (
        select(Segment.transcript_id, func.count().label("segments"))
        .group_by(Segment.transcript_id)
        .subquery()
    )
    rows = session.execute(
        select(Transcript, func.coalesce(counts.c.segments, 0))
        .outerjoin(counts, counts.c.transcript_id == Transcript.id)
        .where(Transcript.recording_id == recording_id, Transcript.kind == kind)
        .order_by(Transcript.version.desc())
    ).all()
    return [
        VersionSummary(t.version, t.source, t.model, t.author_id, t.created_at, int(n))
        for t, n in rows
    ]


def lock_recording_for_edit(session: Session, recording_id: uuid.UUID) -> None:
    """Holds the recording's row until the transaction ends, so two edits of its transcript
    take turns and the second sees the version the first made. (SQLite needs nothing: every
    transaction there is `BEGIN IMMEDIATE`, one writer at a time.)"""
    if session.get_bind().dialect.name == "postgresql":
        # FOR NO KEY UPDATE: edits wait for one another; rows that merely point at the
        # recording (a transcript being written by a worker) do not wait for an edit.
        locked = select(Recording.id).where(Recording.id == recording_id)
        session.execute(locked.with_for_update(key_share=True))


def transcript_for_job(session: Session, job_id: uuid.UUID) -> Transcript | None:
    return session.scalar(select(Transcript).where(Transcript.job_id == job_id))


def next_version(session: Session, recording_id: uuid.UUID, *, kind: str = ORIGINAL) -> int:
    current = session.scalar(
        select(func.max(Transcript.version)).where(
            Transcript.recording_id == recording_id, Transcript.kind == kind
        )
    )
    return (current or 0) + 1


def add_transcript(session: Session, transcript: Transcript) -> Transcript:
    session.add(transcript)
    session.flush()
    return transcript
