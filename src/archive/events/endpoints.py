from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from archive.datetimes import ZonedDatetime
from archive.deps import CurrentViewer, SessionDep
from archive.events import service
from archive.events.schemas import EventFilters, EventPage, EventRead

router = APIRouter(tags=["events"])


@router.get("/events", responses={403: {"description": "Not an archivist or administrator."}})
def list_events(
    viewer: CurrentViewer,
    session: SessionDep,
    story_id: Annotated[
        uuid.UUID | None, Query(description="A story's events and its recordings'")
    ] = None,
    subject_id: Annotated[uuid.UUID | None, Query(description="The thing acted on")] = None,
    actor_id: Annotated[uuid.UUID | None, Query(description="The user who acted")] = None,
    action: Annotated[str | None, Query(max_length=80, description="e.g. `story.updated`")] = None,
    since: Annotated[ZonedDatetime | None, Query(description="From this time (inclusive)")] = None,
    until: Annotated[ZonedDatetime | None, Query(description="Before this time")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> EventPage:
    """The audit log, newest first: who did what to which thing, when, from where, and how
    it ended. Archivists and administrators only."""
    filters = EventFilters(
        story_id=story_id,
        subject_id=subject_id,
        actor_id=actor_id,
        action=action,
        since=since,
        until=until,
    )
    events, total = service.list_events(
        session, viewer, filters=filters, limit=limit, offset=offset
    )
    items = [EventRead.model_validate(event, from_attributes=True) for event in events]
    return EventPage(items=items, total=total, limit=limit, offset=offset)
