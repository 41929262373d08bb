from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from archive.models import Event


class EventRead(BaseModel):
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

    @classmethod
    def of(cls, event: Event) -> EventRead:
        return cls(
            id=event.id,
            at=event.at,
            actor_id=event.actor_id,
            action=event.action,
            subject_type=event.subject_type,
            subject_id=event.subject_id,
            outcome=event.outcome,
            details=dict(event.details),
            source_ip=event.source_ip,
            community_id=event.community_id,
        )


class EventPage(BaseModel):
    """Newest first. `total` counts every matching event; page on with `offset`."""

    items: list[EventRead]
    total: int
    limit: int
    offset: int
