from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session

from archive.db.scope import within
from archive.domain.access import CommunityScope
from archive.models import Person


def get_person(session: Session, person_id: uuid.UUID, *, scope: CommunityScope) -> Person | None:
    """The person, if kept by a community in `scope`; None as if they did not exist."""
    return session.scalar(
        select(Person).where(Person.id == person_id, within(Person.community_id, scope))
    )


def get_people(
    session: Session, person_ids: Collection[uuid.UUID], *, scope: CommunityScope = None
) -> dict[uuid.UUID, Person]:
    """Those of `person_ids` kept by a community in `scope`, by id. The unlimited scope is
    for naming the people of stories the caller may already see (search's narrator facet)."""
    if not person_ids:
        return {}
    found = session.scalars(
        select(Person).where(Person.id.in_(person_ids), within(Person.community_id, scope))
    )
    return {person.id: person for person in found}


def list_people(
    session: Session, name: str | None, *, scope: CommunityScope, limit: int, offset: int
) -> tuple[Sequence[Person], int]:
    """A page of the people of the communities in `scope` by name, and how many match;
    `name` matches any part of their name or other names, ignoring case."""
    query = select(Person).where(within(Person.community_id, scope))
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


def save_person(session: Session, person: Person) -> Person:
    """Writes a new person, or the changes to one, now (the caller's transaction goes on)."""
    session.add(person)
    session.flush()
    return person


def ids_of_people_named(session: Session, name: str) -> list[uuid.UUID]:
    """Every person whose name is `name` (case ignored), in any community: search uses them
    only to narrow what the caller may already see."""
    return list(session.scalars(select(Person.id).where(func.lower(Person.name) == name.lower())))
