"""What a bulk import asks the database: which bytes a community already holds, which
people it already knows by name, and whether an object is anyone's original."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.models import Person, Recording, Story


def recording_with_sha256(
    session: Session, sha256: str, *, community_id: uuid.UUID
) -> Recording | None:
    """A recording of a story of the community whose bytes have this SHA-256 (hex), if any."""
    return session.scalars(
        select(Recording)
        .join(Story, Story.id == Recording.story_id)
        .where(Recording.sha256 == sha256, Story.community_id == community_id)
        .order_by(Recording.created_at, Recording.id)
        .limit(1)
    ).first()


def key_is_an_original(session: Session, key: str) -> bool:
    return session.scalar(select(func.count()).where(Recording.object_key == key)) != 0


def person_named(session: Session, name: str, *, community_id: uuid.UUID) -> Person | None:
    """The community's person of this name (ignoring case), the first made if there are more."""
    return session.scalars(
        select(Person)
        .where(Person.community_id == community_id, func.lower(Person.name) == name.lower())
        .order_by(Person.created_at, Person.id)
        .limit(1)
    ).first()
