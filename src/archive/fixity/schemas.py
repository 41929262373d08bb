from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class FixityFinding(BaseModel):
    """An original that is not as it arrived."""

    recording_id: uuid.UUID
    story_id: uuid.UUID
    object_key: str
    sha256: str = Field(description="The SHA-256 the original had when it arrived.")
    problem: Literal["missing", "changed", "tombstone_holds_bytes"] = Field(
        description="`missing`: no object under its key. `changed`: the bytes no longer have "
        "their SHA-256. `tombstone_holds_bytes`: a deaccessioned recording whose bytes are "
        "still stored."
    )


class FixityAuditRead(BaseModel):
    """The last fixity audit, as far as the caller curates: an archivist sees the findings of
    their own communities, an administrator those of the whole archive."""

    id: uuid.UUID | None = Field(description="None when no audit has run yet.")
    started_at: datetime | None
    finished_at: datetime | None
    status: Literal["never", "running", "passed", "failed", "error"] = Field(
        description="`passed`: every original read back was intact. `failed`: one or more "
        "findings. `error`: storage could not be read, so nothing can be said. `never`: no "
        "audit has run yet (run `archive fixity`, or wait for the scheduled one)."
    )
    trigger: str | None = Field(description="`command` (archive fixity) or `schedule`.")
    sample_percent: float | None
    scope: Literal["archive", "your communities"]
    checked: int | None = Field(description="Originals read back (whole archive: admins only).")
    missing: int
    changed: int
    error: str | None
    findings: list[FixityFinding]


class FixitySummary(BaseModel):
    """The last finished audit, in the health report: counts only."""

    status: Literal["passed", "failed", "error", "never"]
    finished_at: datetime | None
    checked: int
    missing: int
    changed: int
