from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from archive.models import Event


def add_event(
    session: Session,
    *,
    actor_id: uuid.UUID | None,
    action: str,
    subject_type: str,
    subject_id: uuid.UUID | None,
    outcome: str = "success",
    details: dict[str, Any] | None = None,
) -> Event:
    """Adds to the audit log in the caller's transaction, so the event and the change it
    describes are committed, or lost, together."""
    event = Event(
        actor_id=actor_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        outcome=outcome,
        details=details or {},
    )
    session.add(event)
    return event
