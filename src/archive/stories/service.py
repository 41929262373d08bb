"""Story rules. Never commits: the request does."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from archive.domain.access import (
    Access,
    StoryAccess,
    Viewer,
    can_create_story,
    can_set_access,
    can_view_story,
)
from archive.errors import Forbidden, NotFound
from archive.events.repository import add_event
from archive.models import Story
from archive.stories import repository
from archive.stories.schemas import StoryCreate


def story_access(story: Story) -> StoryAccess:
    return StoryAccess(access=Access(story.access), created_by=story.created_by)


def not_found(story_id: uuid.UUID) -> NotFound:
    return NotFound(
        f"There is no story {story_id} that you can see. Check the id, or sign in "
        "with an account that may see it."
    )


def create_story(session: Session, viewer: Viewer, data: StoryCreate) -> Story:
    if not can_create_story(viewer):
        raise Forbidden(
            "Your account may not add stories. Ask an archivist to add it, or to "
            "give you a contributor account."
        )
    if data.access is not None and data.access is not Access.PRIVATE and not can_set_access(viewer):
        raise Forbidden(
            "Only archivists decide who may hear a story. Leave out `access`: the "
            "story stays private until an archivist reviews it."
        )
    story = repository.add_story(
        session,
        Story(
            title=data.title,
            description=data.description,
            languages=data.languages,
            access=(data.access or Access.PRIVATE).value,
            created_by=viewer.user_id,
            recordings=[],
        ),
    )
    add_event(
        session,
        actor_id=viewer.user_id,
        action="story.created",
        subject_type="story",
        subject_id=story.id,
        details={"title": story.title, "access": story.access},
    )
    return story


def get_visible_story(
    session: Session, viewer: Viewer | None, story_id: uuid.UUID, *, with_recordings: bool = False
) -> Story:
    """The story, or `NotFound` when it does not exist or the caller may not see it: a
    caller must not learn that a hidden story exists."""
    story = repository.get_story(session, story_id, with_recordings=with_recordings)
    if story is None or not can_view_story(viewer, story_access(story)):
        raise not_found(story_id)
    return story
