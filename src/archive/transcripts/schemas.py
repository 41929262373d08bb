from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from archive.domain.transcript_edits import ChangeKind
from archive.domain.transcription import confidence
from archive.models import Segment, Transcript


class WordRead(BaseModel):
    word: str
    start: float
    end: float
    probability: float


class SegmentRead(BaseModel):
    id: uuid.UUID
    start: float
    end: float
    text: str
    speaker: str | None
    confidence: float | None
    """exp(mean token log-probability), 0 to 1: low values are where to check first."""
    flagged: bool
    """Whisper's output looked repetitive here; listen before trusting it."""
    words: list[WordRead]
    language: str | None = None
    """The language this segment was heard in (Whisper's code, e.g. es), when known."""

    @classmethod
    def of(cls, segment: Segment) -> SegmentRead:
        """`confidence` is computed from the segment's mean log-probability."""
        return cls(
            id=segment.id,
            start=segment.start,
            end=segment.end,
            text=segment.text,
            speaker=segment.speaker,
            confidence=confidence(segment.avg_logprob),
            flagged=segment.flagged,
            words=[WordRead.model_validate(w) for w in segment.words],
            language=segment.language,
        )


class TranscriptRead(BaseModel):
    recording_id: uuid.UUID
    track: Literal["original", "translation"] = "original"
    """What was said, or its English translation (each track has its own versions)."""
    version: int
    source: Literal["machine", "human"]
    language: str | None
    language_probability: float | None
    model: str | None
    """The speech model whose output this version is, or corrects (a human version keeps it)."""
    author_id: uuid.UUID | None = None
    """Who saved this version, for a human one."""
    created_at: datetime
    segments: list[SegmentRead]

    @classmethod
    def of(cls, transcript: Transcript) -> TranscriptRead:
        """The transcript's columns, and its segments with their computed confidence."""
        return cls(
            recording_id=transcript.recording_id,
            track=transcript.kind,
            version=transcript.version,
            source=transcript.source,
            language=transcript.language,
            language_probability=transcript.language_probability,
            model=transcript.model,
            author_id=transcript.author_id,
            created_at=transcript.created_at,
            segments=[SegmentRead.of(s) for s in transcript.segments],
        )


class SegmentEdit(BaseModel):
    """A correction of one segment: send only what changes. `speaker: null` removes the
    speaker; text, start and end may be left out but not set to null."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(default=None, max_length=20_000)
    speaker: str | None = None
    start: float | None = Field(default=None, description="Seconds from the recording's start.")
    end: float | None = Field(default=None, description="Seconds from the recording's start.")

    @model_validator(mode="after")
    def _no_nulls(self) -> SegmentEdit:
        for name in ("text", "start", "end"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"`{name}` cannot be null; leave it out to keep it as it is")
        return self


class SegmentSplit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at: float = Field(
        description="Seconds from the recording's start, strictly inside the segment."
    )


class TranslationRequested(BaseModel):
    recording_id: uuid.UUID
    job_id: uuid.UUID
    status: Literal["queued"] = "queued"
    """Read it at /api/v1/recordings/{id}/transcript?track=translation once the job is done."""


class VersionRead(BaseModel):
    version: int
    source: Literal["machine", "human"]
    model: str | None
    author_id: uuid.UUID | None
    created_at: datetime
    segments: int
    """How many segments the version has."""


class SegmentStateRead(BaseModel):
    start: float
    end: float
    text: str
    speaker: str | None
    restricted: bool


class SegmentChangeRead(BaseModel):
    kind: ChangeKind
    old_position: int | None
    """Where the segment was in the older version (from 0); null for an added one."""
    new_position: int | None
    """Where it is in the newer version (from 0); null for a removed one."""
    fields: list[str]
    """What changed, for a changed segment: start, end, text, speaker, words, restricted."""
    before: SegmentStateRead | None
    after: SegmentStateRead | None


class TranscriptDiffRead(BaseModel):
    recording_id: uuid.UUID
    from_version: int
    to_version: int
    changes: list[SegmentChangeRead]
