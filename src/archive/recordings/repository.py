from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.models import Recording, Story
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
