"""Access requests: a researcher asks to hear a story they may only know of; an archivist of
its community grants it for a while, or refuses. Grants end by themselves, or earlier: an
archivist revokes one, or the story is made private, which ends them all. Each end is an
event. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.orm import Session

from archive.access_requests import repository
from archive.access_requests.schemas import AccessDecision, AccessRequestCreate
from archive.db.base import utcnow
from archive.domain.access import (
    Viewer,
    Visibility,
    can_curate,
    curated_communities,
    is_curator,
    story_visibility,
)
from archive.errors import Conflict, Forbidden, NotFound, Unprocessable
from archive.events.actor import Actor
from archive.events.repository import record
from archive.models import AccessGrant, Story
from archive.stories import grants
from archive.stories import repository as stories
from archive.stories.service import not_found, story_access

DEFAULT_GRANT = timedelta(days=90)


def request_access(
    session: Session,
    viewer: Viewer,
    *,
    story_id: uuid.UUID,
    data: AccessRequestCreate,
    actor: Actor,
) -> AccessGrant:
    if viewer.user_id is None:
        raise Forbidden("Ask for access with your own account, not an upload link.")
    story = stories.get_story(session, story_id)
    if story is None:
        raise not_found(story_id)
    visibility = story_visibility(viewer, story_access(story), now=utcnow())
    if visibility is Visibility.HIDDEN:
        raise not_found(story_id)
    if visibility is Visibility.FULL:
        raise Conflict("You may already hear this story; there is nothing to ask for.")
    if repository.pending_request(session, story_id, user_id=viewer.user_id) is not None:
        raise Conflict("You have asked for this story already; an archivist will answer.")
    grant = repository.save_grant(
        session,
        AccessGrant(story_id=story_id, user_id=viewer.user_id, reason=data.reason.strip()),
    )
    record(
        session,
        actor,
        action="access.requested",
        subject=story,
        details={"request_id": str(grant.id), "reason": grant.reason},
    )
    return grant


def _story_of(session: Session, grant: AccessGrant) -> Story:
    story = stories.get_story(session, grant.story_id)
    assert story is not None
    return story


def decide(
    session: Session,
    viewer: Viewer,
    *,
    request_id: uuid.UUID,
    data: AccessDecision,
    actor: Actor,
) -> AccessGrant:
    grant = repository.get_grant(session, request_id)
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
    record(
        session,
        actor,
        action=f"access.{grant.status}",
        subject=story,
        details={
            "request_id": str(grant.id),
            "user_id": str(grant.user_id),
            "starts_at": grant.starts_at.isoformat() if grant.starts_at else None,
            "ends_at": grant.ends_at.isoformat() if grant.ends_at else None,
            "note": data.note,
        },
    )
    return grant


def list_requests(session: Session, viewer: Viewer, *, pending_only: bool) -> Sequence[AccessGrant]:
    """The requests for the stories of the communities the caller curates (all, for an
    administrator), and the caller's own."""
    return repository.list_requests(
        session,
        scope=curated_communities(viewer),
        user_id=viewer.user_id,
        pending_only=pending_only,
    )


def list_grants(
    session: Session, viewer: Viewer, *, story_id: uuid.UUID | None, current_only: bool
) -> Sequence[AccessGrant]:
    """Administrators see every grant; archivists those for their communities' stories and
    their own; everyone else their own."""
    return repository.list_grants(
        session,
        scope=curated_communities(viewer),
        user_id=viewer.user_id,
        story_id=story_id,
        in_force_at=utcnow() if current_only else None,
    )


def revoke_grant(session: Session, viewer: Viewer, *, grant_id: uuid.UUID, actor: Actor) -> None:
    """Ends a grant now. Only an archivist of the story's community, or an administrator; to
    anyone else the grant does not exist (404). Revoking a grant that has ended already
    changes nothing."""
    grant = repository.get_grant(session, grant_id)
    if grant is None or grant.status not in repository.GRANTED_ONCE:
        raise grant_not_found(grant_id)
    story = _story_of(session, grant)
    if not can_curate(viewer, story_access(story)):
        raise grant_not_found(grant_id)
    now = utcnow()
    if grant.status != "granted" or (grant.ends_at is not None and grant.ends_at <= now):
        return
    grants.end_grant(
        session, grant, story=story, now=now, status="revoked", actor=actor, reason="revoked"
    )


def grant_not_found(grant_id: uuid.UUID) -> NotFound:
    return NotFound(
        f"There is no access grant {grant_id} in your communities. List the grants you may "
        "manage with GET /api/v1/access-grants."
    )


def pending_for_curator(session: Session, viewer: Viewer) -> Sequence[tuple[AccessGrant, str, str]]:
    """The requests waiting in the communities the caller curates (all, for an administrator),
    oldest first, with each story's title and the asker's username; `Forbidden` for anyone
    who curates none. Unlike `list_requests`, the caller's own requests are not among them."""
    if not is_curator(viewer):
        raise Forbidden("Only the community's archivists answer requests for access.")
    return repository.pending_in(session, scope=curated_communities(viewer))
