"""Fixity audits as people read them, and their schedule. Never commits."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.orm import Session

from archive.db.base import utcnow
from archive.domain.access import Viewer, curated_communities, in_scope
from archive.domain.fixity import AuditStatus
from archive.domain.jobs import JobKind
from archive.errors import Forbidden
from archive.fixity import repository
from archive.fixity.schemas import FixityAuditRead, FixityFinding, FixitySummary
from archive.jobs import queue


def last_audit(session: Session, viewer: Viewer) -> FixityAuditRead:
    scope = curated_communities(viewer)
    if scope is not None and not scope:
        raise Forbidden("Only archivists and administrators read fixity audits.")
    audit = repository.latest_audit(session)
    if audit is None:
        return FixityAuditRead(
            id=None,
            started_at=None,
            finished_at=None,
            status="never",
            trigger=None,
            sample_percent=None,
            scope="archive" if scope is None else "your communities",
            checked=0 if scope is None else None,
            missing=0,
            changed=0,
            error=None,
            findings=[],
        )
    visible = [
        FixityFinding.model_validate(f)
        for f in audit.findings
        if in_scope(scope, None if f["community_id"] is None else uuid.UUID(f["community_id"]))
    ]
    whole = scope is None
    missing = sum(1 for f in visible if f.problem == "missing")
    changed = sum(1 for f in visible if f.problem == "changed")
    status = AuditStatus(audit.status)
    if not whole and status is AuditStatus.FAILED and not visible:
        status = AuditStatus.PASSED
    return FixityAuditRead(
        id=audit.id,
        started_at=audit.started_at,
        finished_at=audit.finished_at,
        status=status.value,
        trigger=audit.trigger,
        sample_percent=audit.sample_percent,
        scope="archive" if whole else "your communities",
        checked=audit.checked if whole else None,
        missing=audit.missing if whole else missing,
        changed=audit.changed if whole else changed,
        error=audit.error,
        findings=visible,
    )


def summary(session: Session) -> FixitySummary:
    audit = repository.latest_finished_audit(session)
    if audit is None:
        return FixitySummary(status="never", finished_at=None, checked=0, missing=0, changed=0)
    return FixitySummary(
        status=AuditStatus(audit.status).value,
        finished_at=audit.finished_at,
        checked=audit.checked,
        missing=audit.missing,
        changed=audit.changed,
    )


def schedule_next(
    session: Session,
    *,
    interval_hours: float,
    sample_percent: float,
    asking_job: uuid.UUID | None = None,
) -> None:
    """Queues the next scheduled audit, unless audits are off (interval 0) or one is queued
    already (other than `asking_job`, the audit job that is ending). It runs an interval
    after the last audit ended, or now on an archive never audited."""
    if interval_hours <= 0 or repository.scheduled_audit_exists(
        session, kind=JobKind.FIXITY_AUDIT, excluding=asking_job
    ):
        return
    last = repository.latest_finished_audit(session)
    interval = timedelta(hours=interval_hours)
    due = utcnow() if last is None or last.finished_at is None else last.finished_at + interval
    queue.enqueue(
        session,
        JobKind.FIXITY_AUDIT,
        payload={"sample_percent": sample_percent},
        run_after=max(due, utcnow()),
    )
