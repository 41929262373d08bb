from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.db.base import Base, Timestamps, UUIDPrimaryKey

if TYPE_CHECKING:
    from archive.models.stories import Story


class Recording(UUIDPrimaryKey, Timestamps, Base):
    """An original recording. The object it names is write-once: corrections make new
    transcripts, never new bytes."""

    __tablename__ = "recordings"

    story_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), index=True
    )
    object_key: Mapped[str] = mapped_column(String(500), unique=True)
    original_filename: Mapped[str] = mapped_column(String(500), default="")
    content_type: Mapped[str] = mapped_column(String(100))
    container: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    duration: Mapped[float | None] = mapped_column(default=None)
    codec: Mapped[str | None] = mapped_column(String(40), default=None)
    sample_rate: Mapped[int | None] = mapped_column(default=None)
    channels: Mapped[int | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    progress: Mapped[float] = mapped_column(default=0.0)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    transcription_model: Mapped[str | None] = mapped_column(String(200), default=None)
    transcription_language: Mapped[str | None] = mapped_column(String(20), default=None)
    detected_languages: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, default=None)
    """[{"language": "es", "probability": 0.98}, ...], most spoken first, from the last
    machine transcription."""
    transcription_started_at: Mapped[datetime | None] = mapped_column(default=None)
    transcription_finished_at: Mapped[datetime | None] = mapped_column(default=None)
    ready_at: Mapped[datetime | None] = mapped_column(default=None)
    """When it last became ready: transcribed and searchable."""
    deaccessioned_at: Mapped[datetime | None] = mapped_column(default=None)
    """Set once, when an archivist withdrew the original from the archive on purpose: its
    bytes are removed and this row stays as the tombstone that fixity audits know."""
    deaccession_reason: Mapped[str | None] = mapped_column(Text, default=None)
    deaccessioned_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )

    story: Mapped[Story] = relationship(back_populates="recordings", lazy="raise")
