from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from archive.events.requests import current_source_ip
from archive.models import Event, Recording


def add_event(
    session: Session,
    *,
    actor_id: uuid.UUID | None,
    action: str,
    subject_type: str,
    subject_id: uuid.UUID | None,
    outcome: str = "success",
    details: dict[str, Any] | None = None,
    source_ip: str | None = None,
) -> Event:
    """Adds to the audit log in the caller's transaction, so the event and the change it
    describes are committed, or lost, together. `source_ip` is the address a request came
    from; when not given, the address of the request being served (`events.requests`), and
    None outside requests (jobs, the command line)."""
    event = Event(
        actor_id=actor_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        outcome=outcome,
        details=details or {},
        source_ip=source_ip if source_ip is not None else current_source_ip.get(),
    )
    session.add(event)
    return event


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


def _conditions(filters: EventFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.story_id is not None:
        recordings = select(Recording.id).where(Recording.story_id == filters.story_id)
        conditions.append(
            or_(
                and_(Event.subject_type == "story", Event.subject_id == filters.story_id),
                and_(Event.subject_type == "recording", Event.subject_id.in_(recordings)),
            )
        )
    if filters.subject_id is not None:
        conditions.append(Event.subject_id == filters.subject_id)
    if filters.actor_id is not None:
        conditions.append(Event.actor_id == filters.actor_id)
    if filters.action is not None:
        conditions.append(Event.action == filters.action)
    if filters.since is not None:
        conditions.append(Event.at >= filters.since)
    if filters.until is not None:
        conditions.append(Event.at < filters.until)
    return conditions


def list_events(
    session: Session, filters: EventFilters, *, limit: int, offset: int
) -> tuple[Sequence[Event], int]:
    """A page of the matching events, newest first, and how many match in all."""
    conditions = _conditions(filters)
    total = session.scalar(select(func.count()).select_from(Event).where(*conditions)) or 0
    rows = session.scalars(
        select(Event)
        .where(*conditions)
        .order_by(Event.at.desc(), Event.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return rows.all(), total
