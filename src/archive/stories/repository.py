from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from archive.models import Story


def get_story(
    session: Session, story_id: uuid.UUID, *, with_recordings: bool = False
) -> Story | None:
    """The story with its consent (every access decision needs it)."""
    query = select(Story).where(Story.id == story_id).options(selectinload(Story.consent))
    if with_recordings:
        query = query.options(selectinload(Story.recordings))
    return session.scalar(query)


def add_story(session: Session, story: Story) -> Story:
    session.add(story)
    session.flush()
    return story
