from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from archive.models import Transcript


def latest_transcript(session: Session, recording_id: uuid.UUID) -> Transcript | None:
    return session.scalar(
        select(Transcript)
        .where(Transcript.recording_id == recording_id)
        .order_by(Transcript.version.desc())
        .options(selectinload(Transcript.segments))
        .limit(1)
    )


def transcript_for_job(session: Session, job_id: uuid.UUID) -> Transcript | None:
    return session.scalar(select(Transcript).where(Transcript.job_id == job_id))


def next_version(session: Session, recording_id: uuid.UUID) -> int:
    current = session.scalar(
        select(func.max(Transcript.version)).where(Transcript.recording_id == recording_id)
    )
    return (current or 0) + 1


def add_transcript(session: Session, transcript: Transcript) -> Transcript:
    session.add(transcript)
    session.flush()
    return transcript
