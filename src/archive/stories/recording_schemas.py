from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from archive.models import Recording

RecordingStatus = Literal["queued", "transcribing", "ready", "failed"]


class DetectedLanguageRead(BaseModel):
    """A language heard in the recording, with how sure the detection was."""

    language: str
    """Whisper's code, e.g. es."""
    probability: float
    """How sure the language detection was, 0 to 1 (1 when the story named the language)."""


class TranscriptionRead(BaseModel):
    """What transcribing cost: which model, how long it took, which languages it heard."""

    model: str | None
    language: str | None
    started_at: datetime | None
    finished_at: datetime | None
    seconds: float | None
    languages: list[DetectedLanguageRead] = []
    """Every language heard, the most spoken first."""


class RecordingRead(BaseModel):
    """A recording of a story: its file, what was found in it, and how its transcription
    goes (`queued`, `transcribing`, `ready` or `failed` with the error)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "c1a7f0de-2b6e-4d0f-9a85-3e9b2f4d6a10",
                    "story_id": "5b0e9d1c-8f3a-4c55-9d2e-0a4f1c6b7e21",
                    "original_filename": "story_en.flac",
                    "sha256": "4f1c0b6a9e2d8c7b5a3f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b",
                    "size": 433322,
                    "content_type": "audio/flac",
                    "duration": 26.78,
                    "codec": "flac",
                    "sample_rate": 16000,
                    "channels": 1,
                    "status": "queued",
                    "progress": 0.0,
                    "error": None,
                    "created_at": "2026-12-02T09:00:00Z",
                    "ready_at": None,
                    "transcription": None,
                }
            ]
        }
    )

    id: uuid.UUID
    story_id: uuid.UUID
    original_filename: str
    sha256: str
    size: int
    content_type: str
    duration: float | None
    codec: str | None
    sample_rate: int | None
    channels: int | None
    status: RecordingStatus
    progress: float
    error: str | None
    created_at: datetime
    ready_at: datetime | None
    """When it last became ready: transcribed and searchable."""
    transcription: TranscriptionRead | None
    deaccessioned_at: datetime | None = None
    """Set when the original was withdrawn from the archive: the row is its tombstone."""
    deaccession_reason: str | None = None

    @classmethod
    def of(cls, recording: Recording) -> RecordingRead:
        transcription = None
        if recording.transcription_started_at is not None:
            started, finished = (
                recording.transcription_started_at,
                recording.transcription_finished_at,
            )
            transcription = TranscriptionRead(
                model=recording.transcription_model,
                language=recording.transcription_language,
                started_at=started,
                finished_at=finished,
                seconds=round((finished - started).total_seconds(), 3) if finished else None,
                languages=[
                    DetectedLanguageRead.model_validate(found)
                    for found in recording.detected_languages or []
                ],
            )
        return cls(
            id=recording.id,
            story_id=recording.story_id,
            original_filename=recording.original_filename,
            sha256=recording.sha256,
            size=recording.size,
            content_type=recording.content_type,
            duration=recording.duration,
            codec=recording.codec,
            sample_rate=recording.sample_rate,
            channels=recording.channels,
            status=recording.status,
            progress=round(recording.progress, 3),
            error=recording.error,
            created_at=recording.created_at,
            ready_at=recording.ready_at,
            transcription=transcription,
            deaccessioned_at=recording.deaccessioned_at,
            deaccession_reason=recording.deaccession_reason,
        )


def detected_in(recordings: list[Recording]) -> list[DetectedLanguageRead]:
    """The languages heard across `recordings`, each once with its highest probability, in
    the order of the first recording that heard it."""
    best: dict[str, float] = {}
    for recording in recordings:
        for found in recording.detected_languages or []:
            language, probability = str(found["language"]), float(found["probability"])
            best[language] = max(best.get(language, 0.0), probability)
    return [DetectedLanguageRead(language=k, probability=v) for k, v in best.items()]
