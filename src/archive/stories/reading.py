"""A story as the API shows it to one caller."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from archive.db.base import utcnow
from archive.domain.access import Viewer, can_list_story
from archive.models import Story
from archive.stories import repository
from archive.stories.schemas import StoryRead
from archive.stories.service import story_access


def read_story(
    session: Session, viewer: Viewer | None, *, story: Story, full: bool = True
) -> StoryRead:
    """`StoryRead` in full, or as listed only (title and description); its related stories
    are only those the caller may know exist. The story's recordings and people must be
    loaded."""
    read = StoryRead.of(story) if full else StoryRead.listed(story)
    if not read.related_story_ids:
        return read
    now = utcnow()
    known = {
        other.id
        for other in repository.get_stories(session, read.related_story_ids)
        if can_list_story(viewer, story_access(other), now=now)
    }
    related: list[uuid.UUID] = [i for i in read.related_story_ids if i in known]
    return read.model_copy(update={"related_story_ids": related})
