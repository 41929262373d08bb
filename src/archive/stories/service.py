"""Story rules. Never commits: the request does."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from archive.collections import repository as collections
from archive.consent.schemas import ConsentIn
from archive.db.base import utcnow
from archive.domain.access import (
    Access,
    ConsentListen,
    StoryAccess,
    Viewer,
    can_create_story,
    can_set_access,
    can_view_story,
    is_curator,
)
from archive.errors import Forbidden, NotFound, Unprocessable
from archive.events.repository import add_event
from archive.models import Consent, Story
from archive.stories import repository
from archive.stories.schemas import StoryCreate


def story_access(story: Story) -> StoryAccess:
    """What access decisions need of a story; its consent must be loaded."""
    consent = story.consent
    return StoryAccess(
        access=Access(story.access),
        created_by=story.created_by,
        status=story.status,
        upload_link_id=story.upload_link_id,
        consent_listen=ConsentListen(consent.listen) if consent else None,
        searchable=consent.searchable if consent else True,
        embargo_until=consent.embargo_until if consent else None,
        withdrawn=consent is not None and consent.withdrawn_at is not None,
    )


def not_found(story_id: uuid.UUID) -> NotFound:
    return NotFound(
        f"There is no story {story_id} that you can see. Check the id, or sign in "
        "with an account that may see it."
    )


def consent_row(story_id: uuid.UUID, consent: ConsentIn, viewer: Viewer) -> Consent:
    return Consent(
        story_id=story_id,
        given_by=consent.given_by,
        listen=consent.listen.value,
        searchable=consent.searchable,
        embargo_until=consent.embargo_as_datetime(),
        recorded_by=viewer.user_id,
    )


def create_story(session: Session, viewer: Viewer, data: StoryCreate) -> Story:
    """Archivists put stories in published; contributors and upload-link holders submit them,
    private and with the narrator's consent, for an archivist to review."""
    if not can_create_story(viewer):
        raise Forbidden(
            "Your account may not add stories. Ask an archivist to add it, or to "
            "give you a contributor account."
        )
    curator = is_curator(viewer)
    if data.access is not None and data.access is not Access.PRIVATE and not can_set_access(viewer):
        raise Forbidden(
            "Only archivists decide who may hear a story. Leave out `access`: the "
            "story stays private until an archivist reviews it."
        )
    if data.consent is None and not curator:
        raise Unprocessable(
            "A story needs the consent of the person telling it. Add `consent`: "
            '{"given_by": NAME, "listen": "public"|"community"|"family"|"private", '
            '"searchable": true|false} (and `embargo_until` if they asked for one).'
        )
    collection_id = data.collection_id
    if viewer.is_link_holder:
        if collection_id is not None and collection_id != viewer.link_collection_id:
            raise Forbidden(
                "This upload link adds stories to one collection only. Leave out "
                "`collection_id`, or ask the archivist for a link to the other one."
            )
        collection_id = viewer.link_collection_id
    elif collection_id is not None and collections.get_collection(session, collection_id) is None:
        raise Unprocessable(f"There is no collection {collection_id}; check `collection_id`.")
    story = repository.add_story(
        session,
        Story(
            title=data.title,
            description=data.description,
            languages=data.languages,
            access=(data.access or Access.PRIVATE).value,
            status="published" if curator else "submitted",
            collection_id=collection_id,
            created_by=viewer.user_id,
            upload_link_id=viewer.link_id,
            recordings=[],
        ),
    )
    if data.consent is not None:
        story.consent = consent_row(story.id, data.consent, viewer)
        session.flush()
    add_event(
        session,
        actor_id=viewer.user_id,
        action="story.created",
        subject_type="story",
        subject_id=story.id,
        details={
            "title": story.title,
            "access": story.access,
            "status": story.status,
            "upload_link_id": str(viewer.link_id) if viewer.link_id else None,
            "consent": data.consent.model_dump(mode="json") if data.consent else None,
        },
    )
    return story


def get_visible_story(
    session: Session, viewer: Viewer | None, story_id: uuid.UUID, *, with_recordings: bool = False
) -> Story:
    """The story, or `NotFound` when it does not exist or the caller may not see it: a
    caller must not learn that a hidden story exists."""
    story = repository.get_story(session, story_id, with_recordings=with_recordings)
    if story is None or not can_view_story(viewer, story_access(story), utcnow()):
        raise not_found(story_id)
    return story
