"""Ending access grants when a story may no longer be opened by them (it became private, by
its access or by the narrator's consent), or when an archivist revokes one. Never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from archive.db.base import utcnow
from archive.domain.access import Access, effective_access
from archive.events.actor import Actor
from archive.events.repository import record
from archive.models import AccessGrant, Story
from archive.stories import repository
from archive.stories.service import story_access


def end_grants_if_private(session: Session, story: Story, *, actor: Actor, reason: str) -> int:
    """After a change to the story's access or consent: a story that is now private (by its
    access, or by the narrator's consent) keeps no grant, whether in force or yet to start.
    Returns how many were ended."""
    if effective_access(story_access(story)) is not Access.PRIVATE:
        return 0
    now = utcnow()
    grants = repository.grants_in_force(session, story.id, now=now)
    for grant in grants:
        end_grant(session, grant, story=story, now=now, status="ended", actor=actor, reason=reason)
    return len(grants)


def end_grant(
    session: Session,
    grant: AccessGrant,
    *,
    story: Story,
    now: datetime,
    status: str,
    actor: Actor,
    reason: str,
) -> None:
    """Ends `grant` of `story` at `now` (`status`: revoked by an archivist, or ended by a
    change to the story), with an event saying why."""
    planned_end = grant.ends_at
    grant.status, grant.ends_at = status, now
    repository.save_grant(session, grant)
    record(
        session,
        actor,
        action=f"access.{status}",
        subject=story,
        details={
            "request_id": str(grant.id),
            "user_id": str(grant.user_id),
            "reason": reason,
            "was_to_end_at": planned_end.isoformat() if planned_end else None,
        },
    )
