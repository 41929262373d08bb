"""Browsing stories: a page of those the caller may know of, as reading each would show it.

The access decision is made inside the query (`visibility.repository`), so the page, its
order and its total hold only what the caller may see. Never commits.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from archive.db.base import utcnow
from archive.domain.access import (
    Viewer,
    Visibility,
    can_list_story,
    story_scope,
    story_visibility,
)
from archive.domain.cursors import ForeignPosition
from archive.models import Story
from archive.stories import repository
from archive.stories.browse_schemas import StoryListParams, StoryPage
from archive.stories.schemas import StoryRead
from archive.stories.service import story_access
from archive.visibility.pages import bad_cursor, page_request

log = logging.getLogger(__name__)


def list_stories(session: Session, viewer: Viewer | None, *, params: StoryListParams) -> StoryPage:
    request = page_request(
        "stories",
        query=params.model_dump(mode="json", exclude={"cursor", "limit"}),
        cursor=params.cursor,
    )
    now = utcnow()
    try:
        found, total, following = repository.list_stories(
            session,
            params.filters(),
            scope=story_scope(viewer),
            now=now,
            sort=params.sort,
            descending=params.order == "desc",
            position=request.position,
            limit=params.limit,
        )
    except ForeignPosition:
        raise bad_cursor() from None
    return StoryPage(
        items=_read(session, viewer, found=found, now=now),
        total=total,
        limit=params.limit,
        next_cursor=request.next_cursor(following),
    )


def _read(
    session: Session,
    viewer: Viewer | None,
    *,
    found: list[tuple[Story, Visibility]],
    now: datetime,
) -> list[StoryRead]:
    """Each story in full or listed only, its related stories those the caller may know of
    (read together for the whole page). The query decided each story's visibility; the one
    decision in `domain.access` is asked again, and the narrower answer holds."""
    reads = []
    for story, decided in found:
        level = min(decided, story_visibility(viewer, story_access(story), now=now))
        if level is not decided:
            log.error("stories.visibility_mismatch story_id=%s query=%s", story.id, int(decided))
        if level is Visibility.FULL:
            reads.append(StoryRead.of(story))
        elif level is Visibility.LISTED:
            reads.append(StoryRead.listed(story))
    related = {i for read in reads for i in read.related_story_ids}
    if not related:
        return reads
    known = {
        other.id
        for other in repository.get_stories(session, related)
        if can_list_story(viewer, story_access(other), now=now)
    }
    return [
        read.model_copy(
            update={"related_story_ids": [i for i in read.related_story_ids if i in known]}
        )
        if read.related_story_ids
        else read
        for read in reads
    ]
