from __future__ import annotations

import uuid

from fastapi import APIRouter

from archive.deps import CurrentViewer, SessionDep, ViewerDep
from archive.stories import service
from archive.stories.schemas import StoryCreate, StoryRead

router = APIRouter(tags=["stories"])


@router.post("/stories", status_code=201)
def create_story(data: StoryCreate, viewer: CurrentViewer, session: SessionDep) -> StoryRead:
    story = service.create_story(session, viewer, data)
    return StoryRead.of(service.get_visible_story(session, viewer, story.id, with_recordings=True))


@router.get("/stories/{story_id}")
def get_story(story_id: uuid.UUID, viewer: ViewerDep, session: SessionDep) -> StoryRead:
    return StoryRead.of(service.get_visible_story(session, viewer, story_id, with_recordings=True))
