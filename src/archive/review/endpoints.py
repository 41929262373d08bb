from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from archive.deps import ActorDep, CurrentViewer, SessionDep
from archive.domain.review import ReviewAction, StoryStatus
from archive.review import service
from archive.review.schemas import ReviewDecision, ReviewItem, ReviewPage
from archive.stories.editing import etag
from archive.stories.reading import read_story
from archive.stories.schemas import StoryRead

router = APIRouter(tags=["review"])


@router.get("/review", responses={403: {"description": "Not an archivist."}})
def review_queue(
    viewer: CurrentViewer,
    session: SessionDep,
    status: Annotated[
        list[StoryStatus] | None,
        Query(description="submitted, in_review, or both (the default)"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ReviewPage:
    """Stories waiting for review (submitted, in review), oldest first. Archivists only."""
    stories, total = service.review_queue(
        session, viewer, statuses=status or [], limit=limit, offset=offset
    )
    return ReviewPage(
        items=[ReviewItem.of(s) for s in stories], total=total, limit=limit, offset=offset
    )


@router.post(
    "/stories/{story_id}/review",
    responses={
        409: {"description": "The decision does not apply to the story as it stands."},
        422: {"description": "Publishing needs the narrator's consent on record."},
    },
)
def decide(
    story_id: uuid.UUID,
    data: ReviewDecision,
    viewer: CurrentViewer,
    session: SessionDep,
    response: Response,
    actor: ActorDep,
) -> StoryRead:
    """Starts a story's review, or publishes or rejects it. Archivists only."""
    action = ReviewAction(data.decision.value)
    story = service.decide(
        session, viewer, story_id=story_id, action=action, note=data.note, actor=actor
    )
    response.headers["ETag"] = etag(story.version)
    return read_story(session, viewer, story=story)


@router.delete("/stories/{story_id}", tags=["stories"])
def withdraw_story(
    story_id: uuid.UUID,
    viewer: CurrentViewer,
    session: SessionDep,
    response: Response,
    actor: ActorDep,
) -> StoryRead:
    """Withdraws the story: its status becomes `withdrawn` and it leaves search and playback
    for everyone but archivists and whoever put it in. Nothing is deleted. Archivists, or
    whoever put the story in."""
    story = service.withdraw(session, viewer, story_id=story_id, actor=actor)
    response.headers["ETag"] = etag(story.version)
    return read_story(session, viewer, story=story)
