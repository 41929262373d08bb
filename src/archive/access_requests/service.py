"""Access requests: a researcher asks to hear a story they may only know of; an archivist of
its community grants it for a while, or refuses. Grants end by themselves. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from archive.access_requests.schemas import AccessDecision, AccessRequestCreate
from archive.db.base import utcnow
from archive.db.scope import within
from archive.domain.access import (
    Viewer,
    Visibility,
    can_curate,
    curated_communities,
    story_visibility,
)
from archive.errors import Conflict, Forbidden, NotFound, Unprocessable
from archive.events.repository import add_event
from archive.models import AccessGrant, Story
from archive.stories import repository as stories
from archive.stories.service import not_found, story_access

DEFAULT_GRANT = timedelta(days=90)


def request_access(
    session: Session, viewer: Viewer, story_id: uuid.UUID, data: AccessRequestCreate
) -> AccessGrant:
    if viewer.user_id is None:
        raise Forbidden("Ask for access with your own account, not an upload link.")
    story = stories.get_story(session, story_id)
    if story is None:
        raise not_found(story_id)
    visibility = story_visibility(viewer, story_access(story), utcnow())
    if visibility is Visibility.HIDDEN:
        raise not_found(story_id)
    if visibility is Visibility.FULL:
        raise Conflict("You may already hear this story; there is nothing to ask for.")
    pending = session.scalar(
        select(AccessGrant).where(
            AccessGrant.story_id == story_id,
            AccessGrant.user_id == viewer.user_id,
            AccessGrant.status == "requested",
        )
    )
    if pending is not None:
        raise Conflict("You have asked for this story already; an archivist will answer.")
    grant = AccessGrant(story_id=story_id, user_id=viewer.user_id, reason=data.reason.strip())
    session.add(grant)
    session.flush()
    add_event(
        session,
        actor_id=viewer.user_id,
        action="access.requested",
        subject_type="story",
        subject_id=story_id,
        details={"request_id": str(grant.id), "reason": grant.reason},
        community_id=story.community_id,
    )
    return grant


def _story_of(session: Session, grant: AccessGrant) -> Story:
    story = stories.get_story(session, grant.story_id)
    assert story is not None
    return story


def decide(
    session: Session, viewer: Viewer, request_id: uuid.UUID, data: AccessDecision
) -> AccessGrant:
    grant = session.get(AccessGrant, request_id)
    if grant is None:
        raise NotFound(f"There is no access request {request_id}.")
    story = _story_of(session, grant)
    if not can_curate(viewer, story_access(story)):
        raise NotFound(f"There is no access request {request_id} in your communities.")
    if grant.status != "requested":
        raise Conflict(f"This request was {grant.status} already.")
    now = utcnow()
    if data.decision == "grant":
        starts = data.starts_at or now
        ends = data.ends_at or starts + DEFAULT_GRANT
        if ends <= starts or ends <= now:
            raise Unprocessable("`ends_at` must be after `starts_at` and in the future.")
        grant.status, grant.starts_at, grant.ends_at = "granted", starts, ends
    else:
        grant.status = "refused"
    grant.decided_by, grant.decided_at, grant.decision_note = viewer.user_id, now, data.note
    add_event(
        session,
        actor_id=viewer.user_id,
        action=f"access.{grant.status}",
        subject_type="story",
        subject_id=grant.story_id,
        details={
            "request_id": str(grant.id),
            "user_id": str(grant.user_id),
            "starts_at": grant.starts_at.isoformat() if grant.starts_at else None,
            "ends_at": grant.ends_at.isoformat() if grant.ends_at else None,
            "note": data.note,
        },
        community_id=story.community_id,
    )
    return grant


def list_requests(session: Session, viewer: Viewer, *, pending_only: bool) -> Sequence[AccessGrant]:
    """The requests for the stories of the communities the caller curates (all, for an
    administrator), and the caller's own."""
    query = (
        select(AccessGrant)
        .join(Story, Story.id == AccessGrant.story_id)
        .order_by(AccessGrant.created_at, AccessGrant.id)
    )
    if pending_only:
        query = query.where(AccessGrant.status == "requested")
    mine = AccessGrant.user_id == viewer.user_id if viewer.user_id is not None else false()
    query = query.where(within(Story.community_id, curated_communities(viewer)) | mine)
    return session.scalars(query).all()
