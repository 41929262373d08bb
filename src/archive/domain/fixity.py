"""Fixity audits, free of I/O: which originals a sampled audit reads, what each check found,
and what the audit as a whole says.

An audit never repairs: it reports. A missing or changed original is a finding for a person
to act on (restore it from a copy, or deaccession it); storage that cannot be read makes the
audit an `error`, never a pass.
"""

from __future__ import annotations

import hashlib
import uuid
from enum import StrEnum

MAX_FINDINGS_KEPT = 1000
"""Findings listed on one audit; the counts stay exact beyond it."""


class Check(StrEnum):
    INTACT = "intact"
    MISSING = "missing"
    CHANGED = "changed"
    TOMBSTONE_HOLDS_BYTES = "tombstone_holds_bytes"
    """A deaccessioned recording whose bytes are still in storage (their removal failed)."""


class AuditStatus(StrEnum):
    RUNNING = "running"
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"


def in_sample(audit_id: uuid.UUID, recording_id: uuid.UUID, *, percent: float) -> bool:
    """Whether an audit of `percent` reads this recording. Fixed for one audit (so an audit
    resumed after a crash reads the same sample) and different from audit to audit (so
    repeated samples cover everything in time)."""
    if percent >= 100:
        return True
    if percent <= 0:
        return False
    digest = hashlib.sha256(audit_id.bytes + recording_id.bytes).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 * 100 < percent


def classify(*, exists: bool, digest_matches: bool) -> Check:
    if digest_matches:
        return Check.INTACT
    return Check.CHANGED if exists else Check.MISSING


def final_status(*, missing: int, changed: int, other_findings: int = 0) -> AuditStatus:
    return AuditStatus.FAILED if missing or changed or other_findings else AuditStatus.PASSED
