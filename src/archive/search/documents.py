"""Search documents built from the database: one per transcript segment, carrying the story
fields that filters and access decisions need. Pure."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SegmentDocument:
    segment_id: uuid.UUID
    recording_id: uuid.UUID
    story_id: uuid.UUID
    transcript_id: uuid.UUID
    start: float
    end: float
    text: str
    language: str | None
    story_title: str
    access: str
    owner_id: uuid.UUID | None
