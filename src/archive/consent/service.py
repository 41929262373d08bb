"""Consent: recorded with the story, reflected in who may hear and find it, withdrawable.

Withdrawal takes a story out of search and playback at once for everyone but archivists (the
access rules read the consent) and out of the index right after the commit, before the
request returns (`discovery.updates`, with an index job per recording as the safety net).
Nothing is deleted.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from archive.db.base import utcnow
from archive.domain.access import Viewer, can_curate, can_view_story, is_owner
from archive.errors import Conflict, Forbidden
from archive.events.actor import Actor
from archive.events.repository import record
from archive.models import Story
from archive.stories import grants
from archive.stories import repository as stories
from archive.stories.consent_schemas import ConsentIn, ConsentWithdrawal
from archive.stories.service import consent_row, not_found, reindex_story, story_access


def _story_for_change(
    session: Session, viewer: Viewer, *, story_id: uuid.UUID, owner_allowed: bool
) -> Story:
    story = stories.get_story(session, story_id, with_recordings=True)
    if story is None or not can_view_story(viewer, story_access(story), now=utcnow()):
        raise not_found(story_id)
    access = story_access(story)
    allowed = can_curate(viewer, access) or (owner_allowed and is_owner(viewer, access))
    if not allowed:
        raise Forbidden(
            "Only the community's archivists record or change consent. Ask one of them."
        )
    return story


def set_consent(
    session: Session, viewer: Viewer, *, story_id: uuid.UUID, data: ConsentIn, actor: Actor
) -> Story:
    story = _story_for_change(session, viewer, story_id=story_id, owner_allowed=False)
    before = None
    if story.consent is not None:
        before = {
            "given_by": story.consent.given_by,
            "listen": story.consent.listen,
            "searchable": story.consent.searchable,
        }
        story.consent.given_by = data.given_by
        story.consent.listen = data.listen.value
        story.consent.searchable = data.searchable
        story.consent.embargo_until = data.embargo_as_datetime()
        story.consent.withdrawn_at = None
        story.consent.withdrawn_reason = None
        story.consent.recorded_by = viewer.user_id
    else:
        story.consent = consent_row(story.id, data, viewer=viewer)
    stories.flush(session)
    reindex_story(session, story)
    grants.end_grants_if_private(
        session, story, actor=actor, reason="the narrator's consent became private"
    )
    record(
        session,
        actor,
        action="consent.recorded",
        subject=story,
        details={"before": before, "after": data.model_dump(mode="json")},
    )
    return story


def withdraw_consent(
    session: Session, viewer: Viewer, *, story_id: uuid.UUID, data: ConsentWithdrawal, actor: Actor
) -> Story:
    story = _story_for_change(session, viewer, story_id=story_id, owner_allowed=True)
    if story.consent is None:
        raise Conflict(
            "This story has no consent on record to withdraw. An archivist can "
            "make it private instead."
        )
    if story.consent.withdrawn_at is None:
        story.consent.withdrawn_at = utcnow()
        story.consent.withdrawn_reason = data.reason or None
        reindex_story(session, story)
        record(
            session,
            actor,
            action="consent.withdrawn",
            subject=story,
            details={"reason": data.reason},
        )
    return story
