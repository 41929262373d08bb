"""All SQL of access requests and grants."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import Session

from archive.db.scope import within
from archive.domain.access import CommunityScope
from archive.models import AccessGrant, Story, User

GRANTED_ONCE = ("granted", "revoked", "ended")
"""The statuses of a request that was granted: in force (until `ends_at`), or ended early."""


def get_grant(session: Session, grant_id: uuid.UUID) -> AccessGrant | None:
    return session.get(AccessGrant, grant_id)


def save_grant(session: Session, grant: AccessGrant) -> AccessGrant:
    """Writes a new request, or the changes to one, now (the caller's transaction goes on)."""
    session.add(grant)
    session.flush()
    return grant


def pending_request(
    session: Session, story_id: uuid.UUID, *, user_id: uuid.UUID
) -> AccessGrant | None:
    """The user's request for the story that waits for an answer, if any."""
    return session.scalar(
        select(AccessGrant).where(
            AccessGrant.story_id == story_id,
            AccessGrant.user_id == user_id,
            AccessGrant.status == "requested",
        )
    )


def scoped(
    query: Select[AccessGrant], *, scope: CommunityScope, user_id: uuid.UUID | None
) -> Select[AccessGrant]:
    """Narrows `query` to the rows a caller may read: those of stories in the communities in
    `scope` (`domain.access.curated_communities`), and the caller's own."""
    mine = AccessGrant.user_id == user_id if user_id is not None else false()
    curated = AccessGrant.story_id.in_(select(Story.id).where(within(Story.community_id, scope)))
    return query.where(or_(mine, curated)) if scope is not None else query


def list_requests(
    session: Session, *, scope: CommunityScope, user_id: uuid.UUID | None, pending_only: bool
) -> Sequence[AccessGrant]:
    """Requests in every state, oldest first; with `pending_only`, those waiting."""
    query = select(AccessGrant)
    if pending_only:
        query = query.where(AccessGrant.status == "requested")
    query = scoped(query, scope=scope, user_id=user_id)
    return session.scalars(query.order_by(AccessGrant.created_at, AccessGrant.id)).all()


def list_grants(
    session: Session,
    *,
    scope: CommunityScope,
    user_id: uuid.UUID | None,
    story_id: uuid.UUID | None,
    in_force_at: datetime | None,
) -> Sequence[AccessGrant]:
    """Requests that were granted, oldest first; with `in_force_at`, only those that open
    their story at that time."""
    query = select(AccessGrant).where(AccessGrant.status.in_(GRANTED_ONCE))
    if story_id is not None:
        query = query.where(AccessGrant.story_id == story_id)
    if in_force_at is not None:
        query = query.where(
            AccessGrant.status == "granted",
            or_(AccessGrant.ends_at.is_(None), AccessGrant.ends_at > in_force_at),
        )
    query = scoped(query, scope=scope, user_id=user_id)
    return session.scalars(query.order_by(AccessGrant.created_at, AccessGrant.id)).all()


def pending_in(
    session: Session, *, scope: CommunityScope
) -> Sequence[tuple[AccessGrant, str, str]]:
    """The requests waiting for an answer for stories of the communities in `scope`, oldest
    first, each with its story's title and the asker's username."""
    rows = session.execute(
        select(AccessGrant, Story.title, User.username)
        .join(Story, Story.id == AccessGrant.story_id)
        .join(User, User.id == AccessGrant.user_id)
        .where(AccessGrant.status == "requested", within(Story.community_id, scope))
        .order_by(AccessGrant.created_at, AccessGrant.id)
    ).all()
    return [(grant, title, username) for grant, title, username in rows]
