from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from archive.deps import ActorDep, CurrentViewer, SessionDep
from archive.restrictions import service
from archive.restrictions.schemas import RestrictionCreate, RestrictionRead

router = APIRouter(tags=["restrictions"])

_RESPONSES: dict[int | str, dict[str, object]] = {
    403: {"description": "Only archivists and administrators manage restrictions."},
    404: {"description": "No such recording (or restriction) that you can see."},
}


@router.get("/recordings/{recording_id}/restrictions", responses=_RESPONSES)
def list_restrictions(
    recording_id: uuid.UUID, viewer: CurrentViewer, *, session: SessionDep
) -> list[RestrictionRead]:
    """The recording's restricted spans, in time order. Archivists and administrators only."""
    return [
        RestrictionRead.model_validate(r, from_attributes=True)
        for r in service.list_restrictions(session, viewer, recording_id=recording_id)
    ]


@router.post(
    "/recordings/{recording_id}/restrictions",
    status_code=201,
    responses={
        **_RESPONSES,
        422: {"description": "The span is not inside the recording; the detail says why."},
    },
)
def add_restriction(
    recording_id: uuid.UUID,
    data: RestrictionCreate,
    *,
    viewer: CurrentViewer,
    session: SessionDep,
    actor: ActorDep,
) -> RestrictionRead:
    """Marks `start`..`end` (seconds) restricted: for everyone but archivists its words read
    `[restricted]`, it leaves search, and the audio they hear is silent there (it is prepared
    in the background; until then they are asked to come back)."""
    return RestrictionRead.model_validate(
        service.add_restriction(session, viewer, recording_id=recording_id, data=data, actor=actor),
        from_attributes=True,
    )


@router.delete(
    "/recordings/{recording_id}/restrictions/{restriction_id}",
    status_code=204,
    response_class=Response,
    responses=_RESPONSES,
)
def remove_restriction(
    recording_id: uuid.UUID,
    restriction_id: uuid.UUID,
    *,
    viewer: CurrentViewer,
    session: SessionDep,
    actor: ActorDep,
) -> Response:
    """Lifts a restriction; search, transcripts and audio follow in the next job cycle."""
    service.remove_restriction(
        session, viewer, recording_id=recording_id, restriction_id=restriction_id, actor=actor
    )
    return Response(status_code=204)
