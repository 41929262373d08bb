from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from archive.deps import ActorDep, CurrentViewer, SessionDep
from archive.people import service
from archive.people.schemas import (
    PersonCreate,
    PersonListParams,
    PersonPage,
    PersonRead,
    PersonUpdate,
)

router = APIRouter(tags=["people"])


@router.post("/people", status_code=201)
def create_person(
    data: PersonCreate, viewer: CurrentViewer, session: SessionDep, actor: ActorDep
) -> PersonRead:
    """Adds a narrator, interviewer or translator to the archive's list. Archivists only."""
    person = service.create_person(session, viewer, data=data, actor=actor)
    return PersonRead.model_validate(person, from_attributes=True)


@router.get(
    "/people",
    responses={
        400: {"description": "A `cursor` that is not the one the last page gave."},
        403: {"description": "Not an archivist: the list of people is the archivists'."},
    },
)
def list_people(
    params: Annotated[PersonListParams, Query()], viewer: CurrentViewer, session: SessionDep
) -> PersonPage:
    """People by name, a page at a time, of the communities you curate (archivists and
    administrators: a story you may hear names its narrators itself). Read on with
    `cursor=next_cursor`."""
    return service.list_people(session, viewer, params=params)


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
