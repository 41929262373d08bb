from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from archive.db.base import Base, UUIDPrimaryKey, utcnow


class FixityAudit(UUIDPrimaryKey, Base):
    """One pass over the originals in storage (all of them, or a sample): how many were read
    back, and each one found missing or changed. The per-recording checks are events; this row
    is what an archivist reads."""

    __tablename__ = "fixity_audits"

    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(20), default="running")
    """`running`, `passed` (every original checked was intact), `failed` (one or more missing
    or changed) or `error` (storage could not be read: nothing can be said)."""
    trigger: Mapped[str] = mapped_column(String(20), default="command")
    sample_percent: Mapped[float] = mapped_column(default=100.0)
    cursor: Mapped[uuid.UUID | None] = mapped_column(default=None)
    """The last recording this audit has passed, in id order."""
    checked: Mapped[int] = mapped_column(default=0)
    intact: Mapped[int] = mapped_column(default=0)
    missing: Mapped[int] = mapped_column(default=0)
    changed: Mapped[int] = mapped_column(default=0)
    deaccessioned: Mapped[int] = mapped_column(default=0)
    """Tombstones met: recordings withdrawn from the archive on purpose, not checked."""
    error: Mapped[str | None] = mapped_column(Text, default=None)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
