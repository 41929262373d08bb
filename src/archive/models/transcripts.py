from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.db.base import Base, UUIDPrimaryKey, utcnow


class Transcript(UUIDPrimaryKey, Base):
    """One version of a recording's transcript. Versions are never edited in place.

    `job_id` is unique: a transcription job that runs twice cannot leave two transcripts.
    `kind` is the track: `original` (what was said) or `translation` (Whisper's English
    translation of it); each track numbers its versions from 1.
    """

    __tablename__ = "transcripts"
    __table_args__ = (UniqueConstraint("recording_id", "kind", "version"),)

    recording_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("recordings.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    kind: Mapped[str] = mapped_column(
        String(20), default="original", server_default=text("'original'")
    )
    source: Mapped[str] = mapped_column(String(20))
    model: Mapped[str | None] = mapped_column(String(200), default=None)
    language: Mapped[str | None] = mapped_column(String(20), default=None)
    language_probability: Mapped[float | None] = mapped_column(default=None)
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    job_id: Mapped[uuid.UUID | None] = mapped_column(unique=True, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    segments: Mapped[list[Segment]] = relationship(
        lazy="raise", order_by="Segment.position", cascade="all, delete-orphan"
    )


class Segment(UUIDPrimaryKey, Base):
    """A timed stretch of speech; `start` and `end` are seconds from the recording's start."""

    __tablename__ = "segments"

    transcript_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("transcripts.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    start: Mapped[float]
    end: Mapped[float]
    text: Mapped[str] = mapped_column(Text)
    speaker: Mapped[str | None] = mapped_column(String(120), default=None)
    words: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    avg_logprob: Mapped[float | None] = mapped_column(default=None)
    compression_ratio: Mapped[float | None] = mapped_column(default=None)
    no_speech_prob: Mapped[float | None] = mapped_column(default=None)
    flagged: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str | None] = mapped_column(String(20), default=None)
    """The language this segment's text is in (Whisper's code), when known."""
    restricted: Mapped[bool] = mapped_column(default=False)
