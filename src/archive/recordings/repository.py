from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.domain.restrictions import Span
from archive.models import ListeningCopy, Recording, Restriction, Story
from archive.stories.repository import ACCESS_LOADS


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
