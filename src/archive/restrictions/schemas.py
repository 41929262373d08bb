from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class RestrictionCreate(BaseModel):
    """A stretch of the recording that only archivists may hear, and why."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True)

    start: float = Field(description="Seconds from the recording's start; 0 or more.")
    end: float = Field(
        description="Seconds from the recording's start; after `start`, at most its duration."
    )
    reason: str = Field(
        min_length=1,
        max_length=2000,
        description="Why it is restricted, for the other archivists (never shown to listeners).",
    )


class RestrictionRead(BaseModel):
    """A stretch of a recording held back from those who may hear the rest of the story."""

    id: uuid.UUID
    recording_id: uuid.UUID
    start: float
    end: float
    reason: str
    created_by: uuid.UUID | None
    created_at: datetime
