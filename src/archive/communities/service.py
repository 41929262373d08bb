"""Communities, their members and their cultural protocols. Never commits.

Who belongs where is read once per request into the `Viewer` (`with_memberships`), so every
access decision after it is a pure function of the viewer and the story.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence

from sqlalchemy.orm import Session

from archive.communities import repository
from archive.communities.schemas import (
    CommunityCreate,
    CommunityPage,
    CommunityRead,
    MemberAdd,
    PageParams,
    ProtocolCreate,
    ProtocolRead,
)
from archive.db.base import utcnow
from archive.domain.access import (
    Role,
    Viewer,
    can_curate_community,
    curated_communities,
    implied_community,
    is_admin,
    is_curator,
    story_scope,
)
from archive.domain.cursors import ForeignPosition
from archive.errors import Conflict, Forbidden, NotFound, Unprocessable
from archive.events.actor import Actor
from archive.events.repository import record
from archive.models import Community, Membership, Protocol, User
from archive.visibility.pages import bad_cursor, page_request


def with_memberships(session: Session, viewer: Viewer) -> Viewer:
    """The viewer with their communities, protocols and current access grants."""
    if viewer.user_id is None or is_admin(viewer):
        return viewer  # link holders belong nowhere; administrators need no membership
    access = repository.access_of(session, viewer.user_id, now=utcnow())
    return dataclasses.replace(
        viewer,
        member_of=access.member_of,
        archivist_of=access.archivist_of,
        protocols=access.protocols,
        granted_stories=access.granted_stories,
    )


def list_visible_communities(
    session: Session, viewer: Viewer | None, *, params: PageParams
) -> CommunityPage:
    request = page_request("communities", query={}, cursor=params.cursor)
    try:
        page = repository.list_visible_communities(
            session,
            scope=story_scope(viewer),
            now=utcnow(),
            position=request.position,
            limit=params.limit,
        )
    except ForeignPosition:
        raise bad_cursor() from None
    return CommunityPage(
        items=[CommunityRead.model_validate(row[0]) for row in page.rows],
        total=page.total,
        limit=params.limit,
        next_cursor=request.next_cursor(page.next),
    )


def place_new_user(session: Session, user: User, *, community_id: uuid.UUID | None) -> None:
    """Makes a new user a member of their community: archivists as its archivists, everyone
    else as members; administrators need no membership. The community named, or, when none
    is named, the default community while it is the archive's only one (on one box there is
    one community). With more than one nobody is placed by default: being an archivist
    somewhere never makes one an archivist of another community; an administrator adds
    them where they belong (`POST /api/v1/communities/{id}/members`)."""
    if community_id is None:
        by_default = user.role in (Role.ARCHIVIST, Role.CONTRIBUTOR)
        if not by_default or len(repository.list_communities(session)) > 1:
            return
        community = repository.default_community(session)
    else:
        found = repository.get_community(session, community_id)
        if found is None:
            raise Unprocessable(
                f"There is no community {community_id}; check `community_id` "
                "(GET /api/v1/communities lists them)."
            )
        community = found
    if user.role == Role.ADMIN or repository.membership(session, community.id, user_id=user.id):
        return
    role = "archivist" if user.role == Role.ARCHIVIST else "member"
    repository.save_membership(
        session, Membership(community_id=community.id, user_id=user.id, role=role)
    )


def community_for_new(
    session: Session, viewer: Viewer, *, community_id: uuid.UUID | None, what: str
) -> Community:
    """The community a new `what` (a collection, a person) belongs to: the one named, which
    the caller must curate; when none is named, the one they curate if there is exactly one
    (for an administrator, the archive's only community). `Unprocessable` otherwise."""
    if community_id is None:
        implied = implied_community(
            viewer, [community.id for community in repository.list_communities(session)]
        )
        if implied is None:
            raise Unprocessable(
                f"Say which community the {what} belongs to: add `community_id` (GET "
                "/api/v1/communities lists them). It is needed when you curate more than one."
            )
        community_id = implied
    community = repository.get_community(session, community_id)
    if community is None or not can_curate_community(viewer, community_id):
        raise Unprocessable(
            f"There is no community {community_id} whose archivist you are; check "
            "`community_id` (GET /api/v1/communities lists them)."
        )
    return community


def community_not_found(community_id: uuid.UUID) -> NotFound:
    return NotFound(f"There is no community {community_id}. Check the id.")


def create_community(
    session: Session, viewer: Viewer, *, data: CommunityCreate, actor: Actor
) -> Community:
    if not is_admin(viewer):
        raise Forbidden("Only administrators create communities.")
    name = data.name.strip()
    if repository.get_community_by_name(session, name) is not None:
        raise Conflict(f"A community named {name!r} exists already; choose another name.")
    community = repository.add_community(session, Community(name=name))
    record(session, actor, action="community.created", subject=community, details={"name": name})
    return community


def require_community_curator(
    session: Session, viewer: Viewer, *, community_id: uuid.UUID
) -> Community:
    community = repository.get_community(session, community_id)
    if community is None or not (
        can_curate_community(viewer, community_id) or community_id in viewer.member_of
    ):
        raise community_not_found(community_id)
    if not can_curate_community(viewer, community_id):
        raise Forbidden("Only this community's archivists manage its members and protocols.")
    return community


def add_member(
    session: Session, viewer: Viewer, *, community_id: uuid.UUID, data: MemberAdd, actor: Actor
) -> Membership:
    community = require_community_curator(session, viewer, community_id=community_id)
    if repository.missing_users(session, [data.user_id]):
        raise Unprocessable(f"There is no user {data.user_id}; check `user_id`.")
    existing = repository.membership(session, community_id, user_id=data.user_id)
    before = existing.role if existing else None
    if existing is None:
        existing = repository.save_membership(
            session,
            Membership(community_id=community_id, user_id=data.user_id, role=data.role),
        )
    else:
        existing.role = data.role
        repository.save_membership(session, existing)
    record(
        session,
        actor,
        action="community.member_set",
        subject=community,
        details={"user_id": str(data.user_id), "before": before, "after": data.role},
    )
    return existing


def remove_member(
    session: Session, viewer: Viewer, *, community_id: uuid.UUID, user_id: uuid.UUID, actor: Actor
) -> None:
    community = require_community_curator(session, viewer, community_id=community_id)
    existing = repository.membership(session, community_id, user_id=user_id)
    if existing is None:
        raise NotFound(f"User {user_id} is not a member of this community.")
    repository.remove_membership(session, existing)
    record(
        session,
        actor,
        action="community.member_removed",
        subject=community,
        details={"user_id": str(user_id), "before": existing.role},
    )


def list_members(
    session: Session, viewer: Viewer, *, community_id: uuid.UUID
) -> Sequence[Membership]:
    require_community_curator(session, viewer, community_id=community_id)
    return repository.members(session, community_id)


def protocol_read(session: Session, protocol: Protocol) -> ProtocolRead:
    return ProtocolRead(
        id=protocol.id,
        community_id=protocol.community_id,
        name=protocol.name,
        visibility=protocol.visibility,
        description=protocol.description,
        user_ids=repository.protocol_member_ids(session, protocol.id),
        created_at=protocol.created_at,
    )


def create_protocol(
    session: Session, viewer: Viewer, *, data: ProtocolCreate, actor: Actor
) -> Protocol:
    require_community_curator(session, viewer, community_id=data.community_id)
    unknown = repository.missing_users(session, data.user_ids)
    if unknown:
        raise Unprocessable(f"There are no users {', '.join(map(str, unknown))}; check `user_ids`.")
    protocol = repository.add_protocol(
        session,
        Protocol(
            community_id=data.community_id,
            name=data.name.strip(),
            visibility=data.visibility,
            description=data.description,
        ),
    )
    repository.set_protocol_members(session, protocol.id, user_ids=data.user_ids)
    record(
        session,
        actor,
        action="protocol.created",
        subject=protocol,
        details={
            "name": protocol.name,
            "community_id": str(data.community_id),
            "user_ids": [str(u) for u in data.user_ids],
            "visibility": data.visibility,
        },
    )
    return protocol


def get_protocol(session: Session, viewer: Viewer, *, protocol_id: uuid.UUID) -> Protocol:
    protocol = repository.get_protocol(session, protocol_id)
    if protocol is None or not (
        can_curate_community(viewer, protocol.community_id) or protocol_id in viewer.protocols
    ):
        raise NotFound(f"There is no protocol {protocol_id} that you can see.")
    return protocol


def protocols_for_story(
    session: Session,
    viewer: Viewer,
    *,
    community_id: uuid.UUID,
    protocol_ids: Sequence[uuid.UUID],
) -> list[Protocol]:
    """The protocols a story will carry: they must belong to its community."""
    found: list[Protocol] = []
    for protocol_id in dict.fromkeys(protocol_ids):
        protocol = repository.get_protocol(session, protocol_id)
        if protocol is None or protocol.community_id != community_id:
            raise Unprocessable(
                f"There is no protocol {protocol_id} in this story's community; "
                "check `protocol_ids`."
            )
        found.append(protocol)
    return found


def curated_protocols(session: Session, viewer: Viewer) -> Sequence[Protocol]:
    """The protocols of the communities the caller curates (all, for an administrator)."""
    if not is_curator(viewer):
        raise Forbidden("Only the community's archivists manage its protocols.")
    return repository.protocols_in(session, curated_communities(viewer))


def list_communities(session: Session) -> Sequence[Community]:
    """Every community, by name: their names and ids are no secret to a signed-in caller
    (the pages name the caller's own)."""
    return repository.list_communities(session)
