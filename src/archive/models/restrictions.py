from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from archive.db.base import Base, UUIDPrimaryKey, utcnow


class Restriction(UUIDPrimaryKey, Base):
    """A stretch of a recording that only archivists may hear; `start` and `end` are seconds
    from the recording's start. Removing one deletes its row; the audit log keeps its story."""

    __tablename__ = "restrictions"

    recording_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("recordings.id", ondelete="CASCADE"), index=True
    )
    start: Mapped[float]
    end: Mapped[float]
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ListeningCopy(UUIDPrimaryKey, Base):
    """The recording as those without the right hear it: every restricted span silent.

    One per recording, the newest made. It serves only while `spans_fingerprint` is that of
    the recording's current restrictions (`domain.restrictions.spans_fingerprint`); the object
    under `object_key` is write-once, and a new copy gets a new key.
    """

    __tablename__ = "listening_copies"

    recording_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("recordings.id", ondelete="CASCADE"), unique=True
    )
    spans_fingerprint: Mapped[str] = mapped_column(String(64))
    spans: Mapped[list[list[float]]] = mapped_column(JSON, default=list)
    object_key: Mapped[str] = mapped_column(String(500), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    job_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
