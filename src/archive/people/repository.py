from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session

from archive.models import Person


def get_person(session: Session, person_id: uuid.UUID) -> Person | None:
    return session.get(Person, person_id)


def get_people(session: Session, person_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Person]:
    if not person_ids:
        return {}
    found = session.scalars(select(Person).where(Person.id.in_(person_ids)))
    return {person.id: person for person in found}


def list_people(
    session: Session, name: str | None, *, limit: int, offset: int
) -> tuple[Sequence[Person], int]:
    """A page of people by name, and how many match; `name` matches any part of their name
    or other names, ignoring case."""
    query = select(Person)
    if name:
        escaped = name.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        query = query.where(
            or_(
                func.lower(Person.name).like(pattern, escape="\\"),
                func.lower(cast(Person.other_names, String)).like(pattern, escape="\\"),
            )
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Person.name, Person.id).limit(limit).offset(offset))
    return rows.all(), total


def add_person(session: Session, person: Person) -> Person:
    session.add(person)
    session.flush()
    return person
