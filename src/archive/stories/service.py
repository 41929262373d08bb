"""Story rules. Never commits: the request does."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from archive.collections import repository as collections
from archive.communities import repository as community_repository
from archive.communities import service as communities
from archive.db.base import utcnow
from archive.domain.access import (
    Access,
    ConsentListen,
    StoryAccess,
    Viewer,
    Visibility,
    can_create_story,
    can_curate,
    can_curate_community,
    can_view_story,
    curated_communities,
    is_curator,
    story_visibility,
)
from archive.errors import Forbidden, NotFound, Unprocessable
from archive.events.actor import Actor
from archive.events.repository import record
from archive.jobs.reindex import reindex_after_commit
from archive.models import Community, Consent, Story
from archive.stories import metadata, repository
from archive.stories.consent_schemas import ConsentIn
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
        embargo_until=_later(story.embargo_until, consent.embargo_until if consent else None),
        withdrawn=consent is not None and consent.withdrawn_at is not None,
        community_id=story.community_id,
        protocol_ids=frozenset(p.id for p in story.protocols),
        protocol_mode=story.protocol_mode,
        protocols_strict=any(p.visibility == "strict" for p in story.protocols),
        story_id=story.id,
    )


def _later(first: datetime | None, second: datetime | None) -> datetime | None:
    present = [moment for moment in (first, second) if moment is not None]
    return max(present) if present else None


def not_found(story_id: uuid.UUID) -> NotFound:
    return NotFound(
        f"There is no story {story_id} that you can see. Check the id, or sign in "
        "with an account that may see it."
    )


def consent_row(story_id: uuid.UUID, consent: ConsentIn, *, viewer: Viewer) -> Consent:
    return Consent(
        story_id=story_id,
        given_by=consent.given_by,
        listen=consent.listen.value,
        searchable=consent.searchable,
        embargo_until=consent.embargo_as_datetime(),
        recorded_by=viewer.user_id,
    )


def create_story(session: Session, viewer: Viewer, *, data: StoryCreate, actor: Actor) -> Story:
    """Archivists put stories in published; contributors and upload-link holders submit them,
    private and with the narrator's consent, for an archivist to review."""
    if not can_create_story(viewer):
        raise Forbidden(
            "Your account may not add stories. Ask an archivist to add it, or to "
            "give you a contributor account."
        )
    community = community_for_new_story(session, viewer, community_id=data.community_id)
    curator = can_curate_community(viewer, community.id)
    if data.access is not None and data.access is not Access.PRIVATE and not curator:
        raise Forbidden(
            "Only the community's archivists decide who may hear a story. Leave out `access`: "
            "the story stays private until an archivist reviews it."
        )
    protocol_ids = [*([data.protocol_id] if data.protocol_id else []), *data.protocol_ids]
    if (protocol_ids or data.embargo_until) and not curator:
        raise Forbidden(
            "Only the community's archivists place stories under protocols or "
            "embargoes. Leave out `protocol_ids` and `embargo_until`."
        )
    protocols = communities.protocols_for_story(
        session, viewer, community_id=community.id, protocol_ids=protocol_ids
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
    elif collection_id is not None and not curator:
        raise Forbidden(
            "Only the community's archivists file stories in collections. Leave out "
            "`collection_id`; an archivist files the story when reviewing it."
        )
    elif (
        collection_id is not None
        and collections.get_collection(session, collection_id, scope=frozenset({community.id}))
        is None
    ):
        raise Unprocessable(
            f"There is no collection {collection_id} in the story's community; check "
            "`collection_id` (a story is filed only in its own community's collections)."
        )
    if data.people is not None and not curator:
        raise Forbidden(
            "Only the community's archivists link a story to people's records. Leave out "
            "`people`; name the narrator in `consent.given_by`."
        )
    story = repository.add_story(
        session,
        Story(
            title=data.title,
            description=data.description,
            languages=data.languages,
            translate=data.translate,
            access=(data.access or Access.PRIVATE).value,
            status="published" if curator else "submitted",
            collection_id=collection_id,
            community_id=community.id,
            protocols=protocols,
            protocol_mode=data.protocol_mode,
            embargo_until=data.embargo_until,
            created_by=viewer.user_id,
            upload_link_id=viewer.link_id,
            recordings=[],
            people=[],
        ),
    )
    descriptive = [f for f in metadata.DESCRIPTIVE if f in data.model_fields_set]
    added = metadata.apply(
        session,
        story,
        data=data,
        fields=descriptive,
        may_see=lambda other: can_view_story(viewer, story_access(other), now=utcnow()),
    )
    if data.consent is not None:
        story.consent = consent_row(story.id, data.consent, viewer=viewer)
        repository.flush(session)
    record(
        session,
        actor,
        action="story.created",
        subject=story,
        details={
            "title": story.title,
            "access": story.access,
            "status": story.status,
            "upload_link_id": str(viewer.link_id) if viewer.link_id else None,
            "consent": data.consent.model_dump(mode="json") if data.consent else None,
            **{field: after for field, (_, after) in added.items()},
        },
    )
    return story


def community_for_new_story(
    session: Session, viewer: Viewer, *, community_id: uuid.UUID | None
) -> Community:
    """The one place a new story's community is decided. A story sent through an upload link
    belongs to the link's community, whatever it names. Otherwise the community named, which
    the caller must belong to; when none is named, the caller's community if they belong to
    exactly one, else the archive's default."""
    if viewer.is_link_holder:
        linked = (
            community_repository.get_community(session, viewer.link_community_id)
            if viewer.link_community_id is not None
            else None
        )
        if linked is None:
            raise Forbidden(
                "This upload link no longer leads to a community. Ask the archivist who sent "
                "it to you for a new link."
            )
        return linked
    if community_id is None:
        if len(viewer.member_of) != 1:
            return community_repository.default_community(session)
        (community_id,) = viewer.member_of
    community = community_repository.get_community(session, community_id)
    if community is None or not (
        can_curate_community(viewer, community_id) or community_id in viewer.member_of
    ):
        raise Unprocessable(
            f"There is no community {community_id} you belong to; check "
            "`community_id`, or leave it out for your own."
        )
    return community


def get_listed_story(
    session: Session, viewer: Viewer | None, *, story_id: uuid.UUID
) -> tuple[Story, bool]:
    """The story and whether the caller may hear it (else they may only know of it), or
    `NotFound` when they may not even know it exists."""
    story = repository.get_story(session, story_id, with_recordings=True)
    if story is None:
        raise not_found(story_id)
    visibility = story_visibility(viewer, story_access(story), now=utcnow())
    if visibility is Visibility.HIDDEN:
        raise not_found(story_id)
    return story, visibility is Visibility.FULL


def get_visible_story(
    session: Session, viewer: Viewer | None, *, story_id: uuid.UUID, with_recordings: bool = False
) -> Story:
    """The story, or `NotFound` when it does not exist or the caller may not see it: a
    caller must not learn that a hidden story exists."""
    story = repository.get_story(session, story_id, with_recordings=with_recordings)
    if story is None or not can_view_story(viewer, story_access(story), now=utcnow()):
        raise not_found(story_id)
    return story


def reindex_story(session: Session, story: Story) -> None:
    """The index follows the story's recordings right after the commit (`discovery.updates`).
    `story.recordings` must be loaded."""
    reindex_after_commit(session, (recording.id for recording in story.recordings))


def curated_stories(
    session: Session, viewer: Viewer, *, collection_id: uuid.UUID | None, limit: int
) -> Sequence[Story]:
    """The newest stories of the communities the caller curates (all, for an administrator),
    of one collection if named; `Forbidden` for anyone who curates none."""
    if not is_curator(viewer):
        raise Forbidden("Only the community's archivists list its stories this way.")
    return repository.stories_in(
        session, scope=curated_communities(viewer), collection_id=collection_id, limit=limit
    )


def get_curated_story(session: Session, viewer: Viewer, *, story_id: uuid.UUID) -> Story:
    """The story with its recordings and people, for one who curates it: `NotFound` when the
    caller may not see it, `Forbidden` when they see it but may not curate it."""
    story = get_visible_story(session, viewer, story_id=story_id, with_recordings=True)
    if not can_curate(viewer, story_access(story)):
        raise Forbidden(
            "Only the archivists of this story's community curate it. Tell one of them what "
            "should change."
        )
    return story
