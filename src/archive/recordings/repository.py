from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.db.paging import KeysetPage, Sorting, keyset_page
from archive.domain.access import StoryScope
from archive.domain.cursors import Position
from archive.domain.restrictions import Span
from archive.models import ListeningCopy, Recording, Restriction, Story
from archive.recordings.schemas import RecordingFilters, RecordingSort
from archive.stories.repository import ACCESS_LOADS
from archive.visibility.repository import story_heard, with_consent


def get_recording(session: Session, recording_id: uuid.UUID) -> Recording | None:
    return session.get(Recording, recording_id)


def get_recording_with_story(
    session: Session, recording_id: uuid.UUID
) -> tuple[Recording, Story] | None:
    row = session.execute(
        select(Recording, Story)
        .join(Story, Story.id == Recording.story_id)
        .where(Recording.id == recording_id)
        .options(*ACCESS_LOADS)
    ).first()
    return None if row is None else (row[0], row[1])


def add_recording(session: Session, recording: Recording) -> Recording:
    session.add(recording)
    session.flush()
    return recording


# What a recording's restrictions are, read by playback, transcripts and the index; they are
# written by `restrictions.repository`.


def spans_for_recording(session: Session, recording_id: uuid.UUID) -> list[Span]:
    rows = session.execute(
        select(Restriction.start, Restriction.end).where(Restriction.recording_id == recording_id)
    )
    return sorted(Span(start, end) for start, end in rows)


def spans_for_recordings(
    session: Session, recording_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[Span]]:
    """Each recording's spans; recordings without any are left out."""
    found: defaultdict[uuid.UUID, list[Span]] = defaultdict(list)
    if not recording_ids:
        return {}
    rows = session.execute(
        select(Restriction.recording_id, Restriction.start, Restriction.end).where(
            Restriction.recording_id.in_(recording_ids)
        )
    )
    for recording_id, start, end in rows:
        found[recording_id].append(Span(start, end))
    return {key: sorted(spans) for key, spans in found.items()}


def get_listening_copy(session: Session, recording_id: uuid.UUID) -> ListeningCopy | None:
    return session.scalar(select(ListeningCopy).where(ListeningCopy.recording_id == recording_id))


def list_recordings(
    session: Session,
    filters: RecordingFilters,
    *,
    scope: StoryScope,
    now: datetime,
    sort: RecordingSort,
    descending: bool,
    position: Position | None,
    limit: int,
) -> KeysetPage:
    """A page of the recordings of the stories the caller of `scope` may hear that match
    `filters`. Rows are (recording, sort key)."""
    query = with_consent(select(Recording).join(Story, Story.id == Recording.story_id)).where(
        story_heard(scope, now=now)
    )
    if filters.status is not None:
        query = query.where(Recording.status == filters.status)
    if filters.story_id is not None:
        query = query.where(Recording.story_id == filters.story_id)
    if filters.community_id is not None:
        query = query.where(Story.community_id == filters.community_id)
    key = Recording.created_at if sort is RecordingSort.CREATED else Recording.updated_at
    sorting = Sorting(key, Recording.id, descending=descending, kind="datetime")
    return keyset_page(session, query, sorting=sorting, position=position, limit=limit)


def lock_recording(session: Session, recording: Recording) -> None:
    """Reads the recording again, locked until the transaction ends (PostgreSQL; SQLite
    writes one transaction at a time already)."""
    session.refresh(recording, with_for_update=True)
