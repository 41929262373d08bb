from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from archive.access_requests import service
from archive.access_requests.schemas import (
    AccessDecision,
    AccessRequestCreate,
    AccessRequestRead,
)
from archive.db.base import utcnow
from archive.deps import ActorDep, CurrentViewer, SessionDep

router = APIRouter(tags=["access requests"])


@router.post("/stories/{story_id}/access-requests", status_code=201)
def request_access(
    story_id: uuid.UUID,
    data: AccessRequestCreate,
    viewer: CurrentViewer,
    session: SessionDep,
    actor: ActorDep,
) -> AccessRequestRead:
    """Ask to hear a story you may only know of; an archivist of its community answers."""
    grant = service.request_access(session, viewer, story_id=story_id, data=data, actor=actor)
    return AccessRequestRead.of(grant, utcnow())


@router.get("/access-requests")
def list_access_requests(
    viewer: CurrentViewer, session: SessionDep, pending: bool = False
) -> list[AccessRequestRead]:
    """Access requests: those you made, and those on the stories of the communities you
    curate (all, for an administrator); `pending=true` leaves out the decided ones."""
    now = utcnow()
    return [
        AccessRequestRead.of(g, now)
        for g in service.list_requests(session, viewer, pending_only=pending)
    ]


@router.post("/access-requests/{request_id}/decision")
def decide(
    request_id: uuid.UUID,
    data: AccessDecision,
    viewer: CurrentViewer,
    session: SessionDep,
    actor: ActorDep,
) -> AccessRequestRead:
    """Grant for a date range (90 days unless said), or refuse with a note."""
    grant = service.decide(session, viewer, request_id=request_id, data=data, actor=actor)
    return AccessRequestRead.of(grant, utcnow())


@router.get("/access-grants")
def list_access_grants(
    viewer: CurrentViewer,
    session: SessionDep,
    story_id: Annotated[uuid.UUID | None, Query(description="Only this story's grants.")] = None,
    current: Annotated[
        bool, Query(description="Only grants that open their story now or will later.")
    ] = False,
) -> list[AccessRequestRead]:
    """Granted requests, oldest first, with their status (`granted`, `expired`, `revoked`,
    `ended`). Archivists see those for their communities' stories, others their own."""
    now = utcnow()
    grants = service.list_grants(session, viewer, story_id=story_id, current_only=current)
    return [AccessRequestRead.of(g, now) for g in grants]


@router.delete("/access-grants/{grant_id}", status_code=204)
def revoke_access_grant(
    grant_id: uuid.UUID, viewer: CurrentViewer, session: SessionDep, actor: ActorDep
) -> Response:
    """Ends a grant at once: the researcher no longer hears the story. Archivists of the
    story's community and administrators."""
    service.revoke_grant(session, viewer, grant_id=grant_id, actor=actor)
    return Response(status_code=204)
