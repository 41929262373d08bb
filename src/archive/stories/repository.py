from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from archive.db.scope import within
from archive.domain.access import CommunityScope
from archive.models import AccessGrant, Story, StoryPerson

ACCESS_LOADS = (selectinload(Story.consent), selectinload(Story.protocols))
"""What every access decision reads beside the story row: its consent and protocols."""


def get_story(
    session: Session, story_id: uuid.UUID, *, with_recordings: bool = False
) -> Story | None:
    """The story with what access decisions need; `with_recordings` adds what reading it in
    full shows: its recordings and its people."""
    query = select(Story).where(Story.id == story_id).options(*ACCESS_LOADS)
    if with_recordings:
        query = query.options(
            selectinload(Story.recordings),
            selectinload(Story.people).selectinload(StoryPerson.person),
        )
    return session.scalar(query)


def get_stories(session: Session, story_ids: Collection[uuid.UUID]) -> Sequence[Story]:
    """The stories that exist of `story_ids`, with what access decisions need."""
    if not story_ids:
        return []
    return session.scalars(
        select(Story).where(Story.id.in_(story_ids)).options(*ACCESS_LOADS)
    ).all()


def stories_in(
    session: Session,
    *,
    scope: CommunityScope,
    collection_id: uuid.UUID | None,
    limit: int,
) -> Sequence[Story]:
    """Up to `limit` stories of the communities in `scope` (of one collection, if named),
    newest first, with what access decisions need."""
    query = select(Story).where(within(Story.community_id, scope))
    if collection_id is not None:
        query = query.where(Story.collection_id == collection_id)
    return session.scalars(
        query.options(*ACCESS_LOADS).order_by(Story.created_at.desc(), Story.id).limit(limit)
    ).all()


def add_story(session: Session, story: Story) -> Story:
    session.add(story)
    session.flush()
    return story


def flush(session: Session) -> None:
    """Writes the story's pending changes now, so its version moves and a rival writer's
    change raises `StaleDataError` here rather than at commit."""
    session.flush()


def grants_in_force(
    session: Session, story_id: uuid.UUID, *, now: datetime
) -> Sequence[AccessGrant]:
    """The story's grants that open it now or will later (their end not passed)."""
    return session.scalars(
        select(AccessGrant)
        .where(
            AccessGrant.story_id == story_id,
            AccessGrant.status == "granted",
            or_(AccessGrant.ends_at.is_(None), AccessGrant.ends_at > now),
        )
        .order_by(AccessGrant.created_at, AccessGrant.id)
        .with_for_update()
    ).all()


def save_grant(session: Session, grant: AccessGrant) -> None:
    """Writes the changes to a grant now (the caller's transaction goes on)."""
    session.add(grant)
    session.flush()
