from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from archive.deps import ActorDep, CurrentViewer, SessionDep
from archive.people import service
from archive.people.schemas import PersonCreate, PersonPage, PersonRead, PersonUpdate

router = APIRouter(tags=["people"])


@router.post("/people", status_code=201)
def create_person(
    data: PersonCreate, viewer: CurrentViewer, session: SessionDep, actor: ActorDep
) -> PersonRead:
    """Adds a narrator, interviewer or translator to the archive's list. Archivists only."""
    person = service.create_person(session, viewer, data=data, actor=actor)
    return PersonRead.model_validate(person, from_attributes=True)


@router.get("/people")
def list_people(
    viewer: CurrentViewer,
    session: SessionDep,
    name: Annotated[
        str | None, Query(max_length=300, description="Part of a name or other name")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> PersonPage:
    """People by name. Archivists only."""
    people, total = service.list_people(session, viewer, name=name, limit=limit, offset=offset)
    items = [PersonRead.model_validate(p, from_attributes=True) for p in people]
    return PersonPage(items=items, total=total, limit=limit, offset=offset)


@router.get("/people/{person_id}")
def get_person(person_id: uuid.UUID, viewer: CurrentViewer, session: SessionDep) -> PersonRead:
    """A person's record and notes, to the archivists of their community and administrators."""
    person = service.get_person(session, viewer, person_id=person_id)
    return PersonRead.model_validate(person, from_attributes=True)


@router.patch("/people/{person_id}")
def update_person(
    person_id: uuid.UUID,
    data: PersonUpdate,
    *,
    viewer: CurrentViewer,
    session: SessionDep,
    actor: ActorDep,
) -> PersonRead:
    """Corrects a person's record; fields left out stay as they are. Archivists only."""
    person = service.update_person(session, viewer, person_id=person_id, data=data, actor=actor)
    return PersonRead.model_validate(person, from_attributes=True)
