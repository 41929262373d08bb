from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Response

from archive.deps import ActorDep, CurrentViewer, SessionDep, ViewerDep
from archive.stories import editing, service
from archive.stories.reading import read_story
from archive.stories.schemas import StoryCreate, StoryRead, StoryUpdate

IfMatch = Annotated[
    str | None,
    Header(description='The story\'s ETag as you loaded it, e.g. `"3"`. Required.'),
]

router = APIRouter(tags=["stories"])


@router.post("/stories", status_code=201)
def create_story(
    data: StoryCreate,
    viewer: CurrentViewer,
    *,
    session: SessionDep,
    response: Response,
    actor: ActorDep,
) -> StoryRead:
    """Creates a story from its metadata (201, with its id). Add recordings with `POST
    /api/v1/stories/{story_id}/recordings` or a resumable upload. A contributor's or upload
    link's story needs `consent` and starts `submitted` and private until an archivist
    reviews it."""
    story = service.create_story(session, viewer, data=data, actor=actor)
    story = service.get_visible_story(session, viewer, story_id=story.id, with_recordings=True)
    response.headers["ETag"] = editing.etag(story.version)
    return read_story(session, viewer, story=story)


@router.get("/stories/{story_id}")
def get_story(
    story_id: uuid.UUID, viewer: ViewerDep, session: SessionDep, response: Response
) -> StoryRead:
    """The story with its recordings; a story the caller may not hear but may know of (a
    community story, or one under an open protocol) comes as its title and description only,
    `listed_only: true`, so they can ask for access. `ETag` names its version: send it back
    as `If-Match` to edit it."""
    story, full = service.get_listed_story(session, viewer, story_id=story_id)
    response.headers["ETag"] = editing.etag(story.version)
    return read_story(session, viewer, story=story, full=full)


@router.patch(
    "/stories/{story_id}",
    responses={
        403: {"description": "Not yours to edit, or a field only archivists set."},
        412: {"description": "The story changed since that version; reload it."},
        428: {"description": "`If-Match` is missing."},
    },
)
def update_story(
    story_id: uuid.UUID,
    data: StoryUpdate,
    *,
    viewer: CurrentViewer,
    session: SessionDep,
    response: Response,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> StoryRead:
    """Edits the story's details; fields left out stay as they are. Archivists edit any
    story of their community; whoever put a story in edits it while it is `submitted`."""
    story = editing.update_story(
        session, viewer, story_id=story_id, if_match=if_match, data=data, actor=actor
    )
    response.headers["ETag"] = editing.etag(story.version)
    return read_story(session, viewer, story=story)
