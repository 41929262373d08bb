"""Review decisions and withdrawal. Never commits.

Each decision is checked against the workflow (`domain.review`), written with the story's
version in the `UPDATE` (so two archivists deciding at once cannot both win), and logged. A
story is published only with the narrator's consent on record, and publishing or withdrawing
queues index jobs so search follows.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from archive.db.base import utcnow
from archive.domain.access import (
    Viewer,
    can_curate,
    can_view_story,
    curated_communities,
    is_curator,
    is_owner,
)
from archive.domain.review import (
    WAITING,
    IllegalTransition,
    ReviewAction,
    StoryStatus,
    next_status,
)
from archive.errors import Conflict, Forbidden, Unprocessable
from archive.events.actor import Actor
from archive.events.repository import record
from archive.models import Story
from archive.review import repository
from archive.stories import repository as stories
from archive.stories.service import not_found, reindex_story, story_access

ACTIONS = {
    ReviewAction.START: "story.review_started",
    ReviewAction.PUBLISH: "story.published",
    ReviewAction.REJECT: "story.rejected",
    ReviewAction.WITHDRAW: "story.withdrawn",
}
"""The audit log's name for each decision."""


def review_queue(
    session: Session,
    viewer: Viewer,
    *,
    statuses: Collection[StoryStatus],
    limit: int,
    offset: int,
) -> tuple[Sequence[Story], int]:
    """Stories waiting in the communities the viewer curates (all, for an admin)."""
    if not is_curator(viewer):
        raise Forbidden(
            "Only the community's archivists review stories. If you sent one in, you will "
            "see it published once they have."
        )
    wanted = [status for status in statuses if status in WAITING] or sorted(WAITING)
    return repository.waiting_stories(
        session, wanted, scope=curated_communities(viewer), limit=limit, offset=offset
    )


def _load(session: Session, viewer: Viewer, *, story_id: uuid.UUID) -> Story:
    story = stories.get_story(session, story_id, with_recordings=True)
    if story is None or not can_view_story(viewer, story_access(story), now=utcnow()):
        raise not_found(story_id)
    return story


def _move(
    session: Session,
    *,
    story: Story,
    action: ReviewAction,
    note: str,
    actor: Actor,
) -> None:
    before = StoryStatus(story.status)
    try:
        after = next_status(before, action)
    except IllegalTransition as exc:
        raise Conflict(str(exc)) from None
    if action is ReviewAction.PUBLISH:
        _require_consent(story)
    story.status = after.value
    try:
        stories.flush(session)
    except StaleDataError:
        raise Conflict(
            "Someone else changed this story while you were deciding. Reload it, see where "
            "it stands now, and decide again if it still needs you."
        ) from None
    if action in (ReviewAction.PUBLISH, ReviewAction.WITHDRAW):
        # Search holds unpublished stories as private: publishing widens them, withdrawing
        # narrows them again.
        reindex_story(session, story)
    record(
        session,
        actor,
        action=ACTIONS[action],
        subject=story,
        details={"from": before.value, "to": after.value, "note": note, "version": story.version},
    )


def _require_consent(story: Story) -> None:
    consent = story.consent
    if consent is None or consent.withdrawn_at is not None:
        why = "has none on record" if consent is None else "was withdrawn"
        raise Unprocessable(
            f"A story is published only with its narrator's consent, and this one {why}. "
            f"Record it first with PUT /api/v1/stories/{story.id}/consent, then publish."
        )


def decide(
    session: Session,
    viewer: Viewer,
    *,
    story_id: uuid.UUID,
    action: ReviewAction,
    note: str,
    actor: Actor,
) -> Story:
    story = _load(session, viewer, story_id=story_id)
    if not can_curate(viewer, story_access(story)):
        raise Forbidden("Only the community's archivists review its stories. Ask one of them.")
    _move(session, story=story, action=action, note=note, actor=actor)
    return story


def withdraw(session: Session, viewer: Viewer, *, story_id: uuid.UUID, actor: Actor) -> Story:
    """Takes the story out of the archive's public life; nothing is deleted, and withdrawing
    a withdrawn story again changes nothing."""
    story = _load(session, viewer, story_id=story_id)
    access = story_access(story)
    if not (can_curate(viewer, access) or is_owner(viewer, access)):
        raise Forbidden(
            "Only whoever put a story in, or the community's archivists, may withdraw it. "
            "Ask an archivist."
        )
    if story.status != StoryStatus.WITHDRAWN:
        _move(session, story=story, action=ReviewAction.WITHDRAW, note="", actor=actor)
    return story


def decide_at_once(
    session: Session,
    viewer: Viewer,
    *,
    story_id: uuid.UUID,
    action: ReviewAction,
    note: str,
    actor: Actor,
) -> Story:
    """Publishes or rejects a story waiting for review in one step: one still `submitted` has
    its review started first (both steps logged, with the same note)."""
    story = _load(session, viewer, story_id=story_id)
    if not can_curate(viewer, story_access(story)):
        raise Forbidden("Only the community's archivists review its stories. Ask one of them.")
    if story.status == StoryStatus.SUBMITTED and action is not ReviewAction.START:
        _move(session, story=story, action=ReviewAction.START, note=note, actor=actor)
    _move(session, story=story, action=action, note=note, actor=actor)
    return story
