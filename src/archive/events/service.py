"""Reading the audit log. Archivists and administrators only: it names who did what, and
quotes what was changed. An archivist reads the events of the communities they curate, whose
material they may read at its source; administrators read everything, including the events
of no community (accounts, tokens)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC

from sqlalchemy.orm import Session

from archive.domain.access import Viewer, curated_communities, is_curator
from archive.errors import Forbidden, Unprocessable
from archive.events import repository
from archive.events.schemas import EventFilters
from archive.models import Event


def list_events(
    session: Session, viewer: Viewer, *, filters: EventFilters, limit: int, offset: int
) -> tuple[Sequence[Event], int]:
    if not is_curator(viewer):
        raise Forbidden(
            "Only archivists and administrators read the audit log. Ask one of them about "
            "the change you are looking for."
        )
    # A time without a zone is taken as UTC, the zone every event is recorded in.
    since = filters.since
    until = filters.until
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    if until is not None and until.tzinfo is None:
        until = until.replace(tzinfo=UTC)
    if since is not None and until is not None and until <= since:
        raise Unprocessable(
            "`until` must come after `since`: events from `since` up to (not including) "
            "`until` are listed. Swap them, or leave one out."
        )
    filters = EventFilters(
        story_id=filters.story_id,
        subject_id=filters.subject_id,
        actor_id=filters.actor_id,
        action=filters.action,
        since=since,
        until=until,
    )
    return repository.list_events(
        session, filters, scope=curated_communities(viewer), limit=limit, offset=offset
    )
