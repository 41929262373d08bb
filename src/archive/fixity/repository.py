"""All SQL of fixity audits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.domain.fixity import AuditStatus
from archive.models import FixityAudit, Job, Recording, Story


@dataclass(frozen=True, slots=True)
class Original:
    """What an audit needs to know of one recording to check its original."""

    recording_id: uuid.UUID
    story_id: uuid.UUID
    community_id: uuid.UUID | None
    object_key: str
    sha256: str
    deaccessioned_at: datetime | None


def add_audit(session: Session, *, trigger: str, sample_percent: float) -> FixityAudit:
    audit = FixityAudit(trigger=trigger, sample_percent=sample_percent, findings=[])
    session.add(audit)
    session.flush()
    return audit


def get_audit(session: Session, audit_id: uuid.UUID) -> FixityAudit | None:
    return session.get(FixityAudit, audit_id)


def latest_audit(session: Session) -> FixityAudit | None:
    return session.scalars(
        select(FixityAudit).order_by(FixityAudit.started_at.desc(), FixityAudit.id).limit(1)
    ).first()


def latest_finished_audit(session: Session) -> FixityAudit | None:
    return session.scalars(
        select(FixityAudit)
        .where(FixityAudit.status != AuditStatus.RUNNING)
        .order_by(FixityAudit.finished_at.desc(), FixityAudit.id)
        .limit(1)
    ).first()


def originals_after(session: Session, *, after: uuid.UUID | None, limit: int) -> list[Original]:
    """The next `limit` recordings in id order, after `after`."""
    query = (
        select(
            Recording.id,
            Recording.story_id,
            Story.community_id,
            Recording.object_key,
            Recording.sha256,
            Recording.deaccessioned_at,
        )
        .join(Story, Story.id == Recording.story_id)
        .order_by(Recording.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(Recording.id > after)
    return [Original(*row) for row in session.execute(query)]


def recording_rows(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, Recording]:
    if not ids:
        return {}
    rows = session.scalars(select(Recording).where(Recording.id.in_(ids)))
    return {row.id: row for row in rows}


def scheduled_audit_exists(
    session: Session, *, kind: str, excluding: uuid.UUID | None = None
) -> bool:
    """Whether an audit job waits or runs already (other than `excluding`, the job asking),
    so at most one is ever scheduled."""
    query = select(Job.id).where(Job.kind == kind, Job.status.in_(("queued", "running")))
    if excluding is not None:
        query = query.where(Job.id != excluding)
    found = session.scalars(query.limit(1)).first()
    return found is not None
