from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from archive.communities import service
from archive.communities.schemas import (
    CommunityCreate,
    CommunityRead,
    MemberAdd,
    MemberRead,
    ProtocolCreate,
    ProtocolRead,
)
from archive.deps import ActorDep, CurrentViewer, SessionDep

router = APIRouter(tags=["communities"])


@router.post("/communities", status_code=201)
def create_community(
    data: CommunityCreate, viewer: CurrentViewer, session: SessionDep, actor: ActorDep
) -> CommunityRead:
    """Creates a community (administrators only, 201)."""
    community = service.create_community(session, viewer, data=data, actor=actor)
    return CommunityRead.model_validate(community)


@router.get("/communities")
def communities(_viewer: CurrentViewer, session: SessionDep) -> list[CommunityRead]:
    """Every community, by name, to anyone signed in (their names and ids are no secret)."""
    return [CommunityRead.model_validate(c) for c in service.list_communities(session)]


@router.post("/communities/{community_id}/members", status_code=201)
def add_member(
    community_id: uuid.UUID,
    data: MemberAdd,
    viewer: CurrentViewer,
    session: SessionDep,
    actor: ActorDep,
) -> MemberRead:
    """Add a person to the community, or change their role (member, elder, archivist)."""
    member = service.add_member(session, viewer, community_id=community_id, data=data, actor=actor)
    return MemberRead.model_validate(member)


@router.delete("/communities/{community_id}/members/{user_id}", status_code=204)
def remove_member(
    community_id: uuid.UUID,
    user_id: uuid.UUID,
    viewer: CurrentViewer,
    session: SessionDep,
    actor: ActorDep,
) -> Response:
    """Takes a user out of a community (204), for its archivists and administrators."""
    service.remove_member(session, viewer, community_id=community_id, user_id=user_id, actor=actor)
    return Response(status_code=204)


@router.get("/communities/{community_id}/members")
def members(
    community_id: uuid.UUID, viewer: CurrentViewer, session: SessionDep
) -> list[MemberRead]:
    """The members of a community and their roles, to its archivists and administrators."""
    return [
        MemberRead.model_validate(m)
        for m in service.list_members(session, viewer, community_id=community_id)
    ]


@router.post("/protocols", status_code=201)
def create_protocol(
    data: ProtocolCreate, viewer: CurrentViewer, session: SessionDep, actor: ActorDep
) -> ProtocolRead:
    """A cultural protocol: the people who may hear the stories placed under it."""
    protocol = service.create_protocol(session, viewer, data=data, actor=actor)
    return service.protocol_read(session, protocol)


@router.get("/protocols/{protocol_id}")
def get_protocol(
    protocol_id: uuid.UUID, viewer: CurrentViewer, session: SessionDep
) -> ProtocolRead:
    """A cultural protocol and its holders, to its community's archivists and
    its holders."""
    return service.protocol_read(
        session, service.get_protocol(session, viewer, protocol_id=protocol_id)
    )
