"""All SQL of bag export and import."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, and_, insert, or_, select, update
from sqlalchemy.orm import Session, selectinload

from archive.models import (
    Collection,
    Community,
    Event,
    Person,
    Protocol,
    Recording,
    Restriction,
    Story,
    StoryPerson,
    Transcript,
)
from archive.models.communities import story_protocols
from archive.stories.repository import ACCESS_LOADS


@dataclass(frozen=True, slots=True)
class StoryBundle:
    """A story and everything of it a bag carries, read in one unit of work."""

    story: Story
    people: Sequence[Person]
    transcripts: Sequence[Transcript]
    restrictions: Sequence[Restriction]
    events: Sequence[Event]
    community: Community | None
    collection: Collection | None


def story_bundle(session: Session, story_id: uuid.UUID) -> StoryBundle | None:
    story = session.scalar(
        select(Story)
        .where(Story.id == story_id)
        .options(
            *ACCESS_LOADS,
            selectinload(Story.recordings),
            selectinload(Story.people).selectinload(StoryPerson.person),
        )
    )
    if story is None:
        return None
    recording_ids = [r.id for r in story.recordings]
    transcripts = session.scalars(
        select(Transcript)
        .where(Transcript.recording_id.in_(recording_ids))
        .options(selectinload(Transcript.segments))
        .order_by(Transcript.recording_id, Transcript.version)
    ).all()
    restrictions = session.scalars(
        select(Restriction)
        .where(Restriction.recording_id.in_(recording_ids))
        .order_by(Restriction.recording_id, Restriction.start)
    ).all()
    events = session.scalars(
        select(Event)
        .where(
            or_(
                and_(Event.subject_type == "story", Event.subject_id == story_id),
                and_(Event.subject_type == "recording", Event.subject_id.in_(recording_ids)),
            )
        )
        .order_by(Event.at, Event.id)
    ).all()
    return StoryBundle(
        story=story,
        people=[link.person for link in story.people],
        transcripts=transcripts,
        restrictions=restrictions,
        events=events,
        community=None
        if story.community_id is None
        else session.get(Community, story.community_id),
        collection=None
        if story.collection_id is None
        else session.get(Collection, story.collection_id),
    )


def story_ids_of(
    session: Session, *, collection_id: uuid.UUID | None, community_id: uuid.UUID | None
) -> list[uuid.UUID]:
    query = select(Story.id).order_by(Story.created_at, Story.id)
    if collection_id is not None:
        query = query.where(Story.collection_id == collection_id)
    if community_id is not None:
        query = query.where(Story.community_id == community_id)
    return list(session.scalars(query))


def recording_exists(session: Session, recording_id: uuid.UUID) -> bool:
    return session.get(Recording, recording_id) is not None


def story_exists(session: Session, story_id: uuid.UUID) -> bool:
    return session.get(Story, story_id) is not None


def person_exists(session: Session, person_id: uuid.UUID) -> bool:
    return session.get(Person, person_id) is not None


def community_exists(session: Session, community_id: uuid.UUID) -> bool:
    return session.get(Community, community_id) is not None


def collection_exists(session: Session, collection_id: uuid.UUID) -> bool:
    return session.get(Collection, collection_id) is not None


def event_exists(session: Session, event_id: uuid.UUID) -> bool:
    return session.get(Event, event_id) is not None


def add_all(session: Session, rows: Sequence[object]) -> None:
    session.add_all(rows)
    session.flush()


def community_by_name(session: Session, name: str) -> uuid.UUID | None:
    return session.scalar(select(Community.id).where(Community.name == name))


def collection_in(session: Session, collection_id: uuid.UUID, *, community_id: uuid.UUID) -> bool:
    found = session.get(Collection, collection_id)
    return found is not None and found.community_id == community_id


def person_community(session: Session, person_id: uuid.UUID) -> uuid.UUID | None:
    return session.scalar(select(Person.community_id).where(Person.id == person_id))


def protocol_in(
    session: Session, protocol_id: uuid.UUID, *, community_id: uuid.UUID
) -> Protocol | None:
    found = session.get(Protocol, protocol_id)
    return found if found is not None and found.community_id == community_id else None


def protocol_exists(session: Session, protocol_id: uuid.UUID) -> bool:
    return session.get(Protocol, protocol_id) is not None


def link_protocols(session: Session, story_id: uuid.UUID, *, protocol_ids: list[uuid.UUID]) -> None:
    if protocol_ids:
        session.execute(
            insert(story_protocols),
            [{"story_id": story_id, "protocol_id": p} for p in protocol_ids],
        )


def keep_version(session: Session, story: Story, *, version: int) -> None:
    """Sets the story's version as it was (the ORM numbers a new row 1): the table itself is
    written, so optimistic locking does not count this as an edit."""
    table = cast("Table", Story.__table__)
    session.execute(
        update(table)
        .where(table.c.id == story.id)
        .values(version=version, updated_at=story.updated_at)
    )
    session.expire(story, ["version", "updated_at"])
