from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from archive.domain.transcript_edits import ChangeKind
from archive.domain.transcription import segment_confidence
from archive.models import Segment, Transcript


class WordRead(BaseModel):
    """One word of a segment, its time in seconds from the recording's start, and the speech
    model's probability for it."""

    word: str
    start: float
    end: float
    probability: float


class SegmentRead(BaseModel):
    """A timed stretch of a transcript, with its words and how sure the speech model is of
    it."""

    id: uuid.UUID
    start: float
    end: float
    text: str
    speaker: str | None
    confidence: float | None
    """How sure the speech model is of this segment's words, 0 to 1 (the geometric mean of
    their probabilities, lowered where the model thought it might not be speech): low values
    are where to check first. Null for text a person changed."""
    flagged: bool
    """The model was unsure here (confidence under the archive's threshold) or its output
    looked repetitive: listen before trusting it."""
    words: list[WordRead]
    language: str | None = None
    """The language this segment was heard in (Whisper's code, e.g. es), when known."""

    @classmethod
    def of(cls, segment: Segment) -> SegmentRead:
        """`confidence` is computed from the segment's words, while the segment still carries
        the model's judgement (an edit of its text drops `no_speech_prob` with it)."""
        machine = segment.no_speech_prob is not None
        return cls(
            id=segment.id,
            start=segment.start,
            end=segment.end,
            text=segment.text,
            speaker=segment.speaker,
            confidence=segment_confidence(
                [float(w["probability"]) for w in segment.words],
                no_speech_prob=segment.no_speech_prob,
            )
            if machine
            else None,
            flagged=segment.flagged,
            words=[WordRead.model_validate(w) for w in segment.words],
            language=segment.language,
        )


class TranscriptRead(BaseModel):
    """A version of a recording's transcript: who or what made it, and its segments in
    order."""

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
    """Where to split a segment in two."""

    model_config = ConfigDict(extra="forbid")

    at: float = Field(
        description="Seconds from the recording's start, strictly inside the segment."
    )


class TranslationRequested(BaseModel):
    """A translation was asked for: the job that makes the English track."""

    recording_id: uuid.UUID
    job_id: uuid.UUID
    status: Literal["queued"] = "queued"
    """Read it at /api/v1/recordings/{id}/transcript?track=translation once the job is done."""


class VersionRead(BaseModel):
    """One version of a recording's transcript, without its segments."""

    version: int
    source: Literal["machine", "human"]
    model: str | None
    author_id: uuid.UUID | None
    created_at: datetime
    segments: int
    """How many segments the version has."""


class SegmentStateRead(BaseModel):
    """A segment as one transcript version has it."""

    start: float
    end: float
    text: str
    speaker: str | None
    restricted: bool


class SegmentChangeRead(BaseModel):
    """One segment's change between two transcript versions."""

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
    """What changed between two versions of a recording's transcript, segment by segment."""

    recording_id: uuid.UUID
    from_version: int
    to_version: int
    changes: list[SegmentChangeRead]
