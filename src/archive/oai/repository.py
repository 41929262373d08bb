"""All SQL of the OAI-PMH catalogue."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from archive.domain.oai import Harvest
from archive.models import Collection as ArchiveCollection
from archive.models import Community, OaiRecord, Recording, Story, StoryPerson
from archive.stories.repository import ACCESS_LOADS


def public_candidates(session: Session) -> Sequence[Story]:
    """Stories that may be public now (published, access public), with what the access
    decision and the catalogue record need; the decision itself is made on each."""
    return session.scalars(
        select(Story)
        .where(Story.status == "published", Story.access == "public")
        .options(*ACCESS_LOADS, selectinload(Story.people).selectinload(StoryPerson.person))
    ).all()


def stories_with_people(session: Session, story_ids: Collection[uuid.UUID]) -> Sequence[Story]:
    if not story_ids:
        return []
    return session.scalars(
        select(Story)
        .where(Story.id.in_(story_ids))
        .options(*ACCESS_LOADS, selectinload(Story.people).selectinload(StoryPerson.person))
    ).all()


def formats_of(session: Session, story_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """The media types of each story's recordings still held."""
    found: dict[uuid.UUID, list[str]] = {}
    if not story_ids:
        return found
    rows = session.execute(
        select(Recording.story_id, Recording.content_type)
        .where(Recording.story_id.in_(story_ids), Recording.deaccessioned_at.is_(None))
        .distinct()
        .order_by(Recording.story_id, Recording.content_type)
    )
    for story_id, content_type in rows:
        found.setdefault(story_id, []).append(content_type)
    return found


def community_names(session: Session, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = session.execute(select(Community.id, Community.name).where(Community.id.in_(ids)))
    return {row.id: row.name for row in rows}


def collection_names(session: Session, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = session.execute(
        select(ArchiveCollection.id, ArchiveCollection.title).where(ArchiveCollection.id.in_(ids))
    )
    return {row.id: row.title for row in rows}


def all_records(session: Session) -> dict[uuid.UUID, OaiRecord]:
    return {row.story_id: row for row in session.scalars(select(OaiRecord))}


def get_record(session: Session, story_id: uuid.UUID) -> OaiRecord | None:
    return session.get(OaiRecord, story_id)


def add_record(session: Session, record: OaiRecord) -> None:
    session.add(record)


def _selected(harvest: Harvest) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if harvest.from_ is not None:
        conditions.append(OaiRecord.datestamp >= harvest.from_)
    if harvest.until is not None:
        conditions.append(OaiRecord.datestamp <= harvest.until)
    if harvest.set_spec is not None:
        kind, thing_id = harvest.set_spec.split(":", 1)
        column = OaiRecord.community_id if kind == "community" else OaiRecord.collection_id
        conditions.append(column == uuid.UUID(thing_id))
    return conditions


def page(session: Session, harvest: Harvest, *, limit: int) -> Sequence[OaiRecord]:
    """The next records of a harvest in (datestamp, story id) order."""
    query = select(OaiRecord).where(*_selected(harvest))
    if harvest.after is not None:
        stamp, story_id = harvest.after
        query = query.where(
            or_(
                OaiRecord.datestamp > stamp,
                and_(OaiRecord.datestamp == stamp, OaiRecord.story_id > story_id),
            )
        )
    return session.scalars(
        query.order_by(OaiRecord.datestamp, OaiRecord.story_id).limit(limit)
    ).all()


def count(session: Session, harvest: Harvest) -> int:
    return (
        session.scalar(select(func.count()).select_from(OaiRecord).where(*_selected(harvest))) or 0
    )


def earliest(session: Session) -> datetime | None:
    return session.scalar(select(func.min(OaiRecord.datestamp)))


def live_set_ids(session: Session) -> tuple[set[uuid.UUID], set[uuid.UUID]]:
    """Communities and collections that hold at least one record not deleted."""
    rows = session.execute(
        select(OaiRecord.community_id, OaiRecord.collection_id)
        .where(OaiRecord.deleted.is_(False))
        .distinct()
    )
    communities: set[uuid.UUID] = set()
    collections: set[uuid.UUID] = set()
    for community_id, collection_id in rows:
        if community_id is not None:
            communities.add(community_id)
        if collection_id is not None:
            collections.add(collection_id)
    return communities, collections
