from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

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

    @classmethod
    def of(cls, segment: Segment) -> SegmentRead:
        return cls(
            id=segment.id,
            start=segment.start,
            end=segment.end,
            text=segment.text,
            speaker=segment.speaker,
            confidence=confidence(segment.avg_logprob),
            flagged=segment.flagged,
            words=[WordRead.model_validate(w) for w in segment.words],
        )


class TranscriptRead(BaseModel):
    recording_id: uuid.UUID
    version: int
    source: Literal["machine", "human"]
    language: str | None
    language_probability: float | None
    model: str | None
    created_at: datetime
    segments: list[SegmentRead]

    @classmethod
    def of(cls, transcript: Transcript) -> TranscriptRead:
        return cls(
            recording_id=transcript.recording_id,
            version=transcript.version,
            source=transcript.source,
            language=transcript.language,
            language_probability=transcript.language_probability,
            model=transcript.model,
            created_at=transcript.created_at,
            segments=[SegmentRead.of(s) for s in transcript.segments],
        )
