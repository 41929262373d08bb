from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel


class EventRead(BaseModel):
    """One entry of the audit and preservation log: who did what to which thing, when, from
    where, and the outcome."""

    id: uuid.UUID
    at: datetime
    actor_id: uuid.UUID | None
    action: str
    subject_type: str
    subject_id: uuid.UUID | None
    outcome: str
    details: dict[str, Any]
    source_ip: str | None
    community_id: uuid.UUID | None
    """The community of the thing acted on; None for accounts and the system."""


class EventPage(BaseModel):
    """Newest first. `total` counts every matching event; page on with `offset`."""

    items: list[EventRead]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class EventFilters:
    """Which events to list; None means any. `story_id` takes the story's own events and its
    recordings' (uploads, transcripts, corrections). `since` is inclusive, `until` not."""

    story_id: uuid.UUID | None = None
    subject_id: uuid.UUID | None = None
    actor_id: uuid.UUID | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
