"""Running a fixity audit: originals are read back outside any transaction, in steps, and each
step's checks are committed with their events and the audit's progress.

A step that is cut off (the process dies mid-read) commits nothing; the audit resumes from
its last committed recording and reads that step's originals again. Storage that cannot be
read ends the audit as `error`: an audit that could not look never reports success.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from archive.db.base import utcnow
from archive.db.session import create_db_engine, create_session_factory, transaction
from archive.domain.fixity import (
    MAX_FINDINGS_KEPT,
    AuditStatus,
    Check,
    classify,
    final_status,
    in_sample,
)
from archive.errors import ServiceUnavailable
from archive.events.actor import SYSTEM
from archive.events.repository import record
from archive.fixity import repository
from archive.fixity.repository import Original
from archive.fixity.service import schedule_next
from archive.models import FixityAudit
from archive.settings import Settings
from archive.storage.base import ObjectStore

log = logging.getLogger(__name__)

STEP_SIZE = 50
"""Recordings looked at per step (checked, or passed over by a sample)."""

STORAGE_AWAY = (
    "The storage of originals could not be read, so nothing could be checked. Make sure it "
    "is reachable (the data folder is mounted, the S3 endpoint answers) and run the audit again."
)


@dataclass(frozen=True, slots=True)
class Checked:
    original: Original
    check: Check


def start_audit(
    sessions: sessionmaker[Session], store: ObjectStore, *, trigger: str, sample_percent: float
) -> uuid.UUID:
    """A new audit; ended at once as `error` when the store does not answer."""
    reachable = store.ping()
    with transaction(sessions) as session:
        audit = repository.add_audit(session, trigger=trigger, sample_percent=sample_percent)
        if not reachable:
            _end_in_error(session, audit, error=STORAGE_AWAY)
        return audit.id


def run_step(sessions: sessionmaker[Session], store: ObjectStore, *, audit_id: uuid.UUID) -> bool:
    """Checks the next step of originals; True when the audit has ended (or was not running)."""
    with transaction(sessions) as session:
        audit = repository.get_audit(session, audit_id)
        if audit is None or audit.status != AuditStatus.RUNNING:
            return True
        originals = repository.originals_after(session, after=audit.cursor, limit=STEP_SIZE)
        percent = audit.sample_percent
    try:
        checked = [
            _check(store, original)
            for original in originals
            if in_sample(audit_id, original.recording_id, percent=percent)
        ]
    except ServiceUnavailable:
        with transaction(sessions) as session:
            audit = repository.get_audit(session, audit_id)
            if audit is not None and audit.status == AuditStatus.RUNNING:
                _end_in_error(session, audit, error=STORAGE_AWAY)
        return True
    with transaction(sessions) as session:
        audit = repository.get_audit(session, audit_id)
        if audit is None or audit.status != AuditStatus.RUNNING:
            return True
        _record(session, audit, checked=checked)
        if originals:
            audit.cursor = originals[-1].recording_id
        if len(originals) < STEP_SIZE:
            audit.status = final_status(
                missing=audit.missing,
                changed=audit.changed,
                other_findings=sum(
                    1 for f in audit.findings if f["problem"] == Check.TOMBSTONE_HOLDS_BYTES
                ),
            )
            audit.finished_at = utcnow()
            log.info(
                "fixity.audit_ended id=%s status=%s checked=%d missing=%d changed=%d",
                audit.id,
                audit.status,
                audit.checked,
                audit.missing,
                audit.changed,
            )
            return True
    return False


def run_audit(
    sessions: sessionmaker[Session],
    store: ObjectStore,
    *,
    audit_id: uuid.UUID,
    budget_seconds: float | None = None,
) -> bool:
    """Runs steps until the audit ends (True) or `budget_seconds` have passed (False)."""
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
    while not run_step(sessions, store, audit_id=audit_id):
        if deadline is not None and time.monotonic() >= deadline:
            return False
    return True


def _check(store: ObjectStore, original: Original) -> Checked:
    if original.deaccessioned_at is not None:
        holds = store.exists(original.object_key)
        return Checked(original, Check.TOMBSTONE_HOLDS_BYTES if holds else Check.INTACT)
    matches = store.verify_sha256(original.object_key, original.sha256)
    exists = matches or store.exists(original.object_key)
    return Checked(original, classify(exists=exists, digest_matches=matches))


def _record(session: Session, audit: FixityAudit, *, checked: list[Checked]) -> None:
    rows = repository.recording_rows(session, [c.original.recording_id for c in checked])
    findings = list(audit.findings)
    for item in checked:
        original, check = item.original, item.check
        if original.deaccessioned_at is not None:
            audit.deaccessioned += 1
        else:
            audit.checked += 1
        if check is Check.INTACT:
            audit.intact += 0 if original.deaccessioned_at is not None else 1
        elif check is Check.MISSING:
            audit.missing += 1
        elif check is Check.CHANGED:
            audit.changed += 1
        if check is not Check.INTACT and len(findings) < MAX_FINDINGS_KEPT:
            findings.append(
                {
                    "recording_id": str(original.recording_id),
                    "story_id": str(original.story_id),
                    "community_id": None
                    if original.community_id is None
                    else str(original.community_id),
                    "object_key": original.object_key,
                    "sha256": original.sha256,
                    "problem": check.value,
                }
            )
        recording = rows.get(original.recording_id)
        if recording is not None and original.deaccessioned_at is None:
            record(
                session,
                SYSTEM,
                action="recording.fixity_checked",
                subject=recording,
                outcome="success" if check is Check.INTACT else "failure",
                details={
                    "audit_id": str(audit.id),
                    "result": check.value,
                    "sha256": original.sha256,
                },
            )
    audit.findings = findings


def _end_in_error(session: Session, audit: FixityAudit, *, error: str) -> None:
    audit.status = AuditStatus.ERROR
    audit.error = error
    audit.finished_at = utcnow()
    log.error("fixity.audit_error id=%s detail=%s", audit.id, error)


def schedule_at_start(settings: Settings) -> None:
    """For `archive serve` as it starts: makes sure the next scheduled audit is queued."""
    engine = create_db_engine(settings)
    try:
        with transaction(create_session_factory(engine)) as session:
            schedule_next(
                session,
                interval_hours=settings.fixity_interval_hours,
                sample_percent=settings.fixity_sample_percent,
            )
    finally:
        engine.dispose()
