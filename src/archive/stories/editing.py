"""Editing a story's details (`PATCH /stories/{id}`). Never commits.

An edit names the version it was made on (`If-Match: "3"`, the story's ETag), so nobody's
change is overwritten unseen. The check is made on the row as read, and the write itself
names the version (`version_id_col`), so a writer that slipped in between is caught at flush.
"""

from __future__ import annotations

import re
import uuid

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from archive.db.base import utcnow
from archive.domain.access import Viewer, can_curate, can_view_story, is_owner
from archive.domain.review import StoryStatus
from archive.errors import Forbidden, PreconditionFailed, PreconditionRequired
from archive.events.actor import Actor
from archive.events.repository import record
from archive.models import Story
from archive.stories import grants, metadata, repository
from archive.stories.schemas import StoryUpdate
from archive.stories.service import not_found, reindex_story, story_access

# Strong or weak: a proxy that compresses may weaken the tag, and a version number means the
# same either way. A bare number is taken too, for hand-written requests.
_ENTITY_TAG = re.compile(r'(?:W/)?"(\d+)"|^\s*(\d+)\s*$')


def etag(version: int) -> str:
    """The story's entity tag: its version, which every change makes anew."""
    return f'"{version}"'


def versions_in_if_match(header: str) -> set[int]:
    """The story versions an `If-Match` header names (`"3"`, or a list of them)."""
    return {int(a or b) for a, b in _ENTITY_TAG.findall(header)}


def check_if_match(story: Story, if_match: str | None) -> None:
    if if_match is None or not if_match.strip() or if_match.strip() == "*":
        raise PreconditionRequired(
            "Say which version you edited: send the story's ETag back as "
            f'`If-Match: "{story.version}"` (GET /api/v1/stories/{story.id} gives it), so '
            "that nobody's change is overwritten unseen."
        )
    if story.version not in versions_in_if_match(if_match):
        raise stale(story.version, if_match)


def stale(current: int, if_match: str) -> PreconditionFailed:
    return PreconditionFailed(
        f"The story has changed since you loaded it: you sent If-Match {if_match.strip()}, "
        f"and it is now at version {current}. Reload it, make your change again on what it "
        f"says now, and send `If-Match: {etag(current)}`.",
        headers={"ETag": etag(current)},
    )


def _check_editor(viewer: Viewer, story: Story, *, data: StoryUpdate) -> None:
    access = story_access(story)
    if can_curate(viewer, access):
        return
    if not is_owner(viewer, access):
        raise Forbidden(
            "Only the community's archivists edit a story's details, and whoever put it in "
            "while it waits for review. Tell an archivist what should change."
        )
    if story.status != StoryStatus.SUBMITTED:
        status = story.status.replace("_", " ")
        raise Forbidden(
            f"This story is {status}: it is in the archivists' hands now. Ask one of them "
            "to make the change."
        )
    refused = [field for field in metadata.CURATOR_ONLY if field in data.model_fields_set]
    if refused:
        raise Forbidden(
            f"Only the community's archivists set {', '.join(f'`{f}`' for f in refused)}. "
            "Leave them out; an archivist decides them when reviewing the story."
        )


def update_story(
    session: Session,
    viewer: Viewer,
    *,
    story_id: uuid.UUID,
    if_match: str | None,
    data: StoryUpdate,
    actor: Actor,
) -> Story:
    """Applies the fields given and logs each change with its before and after. Changing
    what the index holds (title, access, collection) queues index jobs for the story's
    recordings. An edit that changes nothing leaves the version as it was."""
    story = repository.get_story(session, story_id, with_recordings=True)
    if story is None or not can_view_story(viewer, story_access(story), now=utcnow()):
        raise not_found(story_id)
    _check_editor(viewer, story, data=data)
    check_if_match(story, if_match)
    base = story.version
    fields = [field for field in metadata.EDITABLE if field in data.model_fields_set]

    def may_see(other: Story) -> bool:
        return can_view_story(viewer, story_access(other), now=utcnow())

    changes = metadata.apply(session, story, data=data, fields=fields, may_see=may_see)
    if not changes:
        return story
    # Touching the row makes the version advance even when only its people changed.
    story.updated_at = utcnow()
    try:
        repository.flush(session)
    except StaleDataError:
        raise stale(base + 1, if_match or "") from None
    if any(field in changes for field in metadata.INDEXED):
        reindex_story(session, story)
    if "access" in changes:
        grants.end_grants_if_private(
            session, story, actor=actor, reason="the story was made private"
        )
    record(
        session,
        actor,
        action="story.updated",
        subject=story,
        details={
            "version": story.version,
            "before": {field: before for field, (before, _) in changes.items()},
            "after": {field: after for field, (_, after) in changes.items()},
        },
    )
    return story
