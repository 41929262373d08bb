"""The people the archive knows: each community's archivists keep its list. Never commits.

Another community's people answer 404, as if they did not exist: their notes and whether they
have passed away are that community's to read and to change."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from archive.communities.service import community_for_new
from archive.domain.access import Viewer, curated_communities, is_curator
from archive.domain.cursors import ForeignPosition
from archive.errors import Forbidden, NotFound, Unprocessable
from archive.events.actor import Actor
from archive.events.repository import record
from archive.models import Person
from archive.people import repository
from archive.people.schemas import (
    PersonCreate,
    PersonListParams,
    PersonPage,
    PersonRead,
    PersonUpdate,
    check_life,
)
from archive.visibility.pages import bad_cursor, page_request

_FIELDS = ("name", "other_names", "birth_year", "death_year", "deceased", "notes")


def require_curator(viewer: Viewer) -> None:
    if not is_curator(viewer):
        raise Forbidden(
            "Only archivists and administrators keep the list of people. Ask one of them "
            "to add or correct a narrator, interviewer or translator."
        )


def person_not_found(person_id: uuid.UUID) -> NotFound:
    return NotFound(
        f"There is no person {person_id} in your communities. Check the id, or list them: "
        "GET /api/v1/people."
    )


def snapshot(person: Person) -> dict[str, Any]:
    return {
        "name": person.name,
        "other_names": list(person.other_names),
        "birth_year": person.birth_year,
        "death_year": person.death_year,
        "deceased": person.deceased,
        "notes": person.notes,
    }


def create_person(session: Session, viewer: Viewer, *, data: PersonCreate, actor: Actor) -> Person:
    require_curator(viewer)
    community = community_for_new(session, viewer, community_id=data.community_id, what="person")
    person = repository.save_person(
        session,
        Person(
            community_id=community.id,
            name=data.name,
            other_names=data.other_names,
            birth_year=data.birth_year,
            death_year=data.death_year,
            deceased=data.deceased if data.deceased is not None else data.death_year is not None,
            notes=data.notes,
        ),
    )
    record(
        session, actor, action="person.created", subject=person, details={"after": snapshot(person)}
    )
    return person


def get_person(session: Session, viewer: Viewer, *, person_id: uuid.UUID) -> Person:
    require_curator(viewer)
    person = repository.get_person(session, person_id, scope=curated_communities(viewer))
    if person is None:
        raise person_not_found(person_id)
    return person


def list_people(session: Session, viewer: Viewer, *, params: PersonListParams) -> PersonPage:
    """A page of the people of the communities the caller curates, by name: the same people
    `get_person` finds."""
    require_curator(viewer)
    request = page_request(
        "people",
        query=params.model_dump(mode="json", exclude={"cursor", "limit"}),
        cursor=params.cursor,
    )
    try:
        page = repository.list_people(
            session,
            params.name,
            community_id=params.community_id,
            scope=curated_communities(viewer),
            position=request.position,
            limit=params.limit,
        )
    except ForeignPosition:
        raise bad_cursor() from None
    return PersonPage(
        items=[PersonRead.model_validate(row[0], from_attributes=True) for row in page.rows],
        total=page.total,
        limit=params.limit,
        next_cursor=request.next_cursor(page.next),
    )


def update_person(
    session: Session,
    viewer: Viewer,
    *,
    person_id: uuid.UUID,
    data: PersonUpdate,
    actor: Actor,
) -> Person:
    """Changes the fields given. A death year makes the person deceased unless `deceased`
    is given too."""
    person = get_person(session, viewer, person_id=person_id)
    before = snapshot(person)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("death_year") is not None and "deceased" not in changes:
        changes["deceased"] = True
    merged = {**before, **changes}
    try:
        check_life(merged["birth_year"], merged["death_year"], deceased=merged["deceased"])
    except ValueError as exc:
        raise Unprocessable(f"This change would not hold together: {exc}.") from None
    for field in _FIELDS:
        if field in changes:
            setattr(person, field, changes[field])
    after = snapshot(person)
    changed = [field for field in _FIELDS if before[field] != after[field]]
    if changed:
        repository.save_person(session, person)
        record(
            session,
            actor,
            action="person.updated",
            subject=person,
            details={
                "before": {field: before[field] for field in changed},
                "after": {field: after[field] for field in changed},
            },
        )
    return person


def curated_people(
    session: Session, viewer: Viewer, *, community_id: uuid.UUID, limit: int
) -> list[Person]:
    """The first `limit` people of a community the caller curates, by name: what a curator
    chooses narrators and interviewers from on a page."""
    require_curator(viewer)
    page = repository.list_people(
        session,
        None,
        community_id=community_id,
        scope=curated_communities(viewer),
        position=None,
        limit=limit,
    )
    return [row[0] for row in page.rows]
