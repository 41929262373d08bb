from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import CompoundSelect, bindparam, literal, null, or_, select, union_all
from sqlalchemy.orm import Session

from archive.db.paging import KeysetPage, Sorting, keyset_page
from archive.db.scope import within
from archive.domain.access import CommunityScope, StoryScope
from archive.domain.cursors import Position
from archive.models import AccessGrant, Community, Membership, Protocol, Story, User
from archive.models.communities import protocol_members
from archive.visibility.repository import story_heard, with_consent

DEFAULT_NAME = "Our community"


def default_community(session: Session) -> Community:
    """The archive's default community, made on first need (one box, one community)."""
    community = session.scalar(select(Community).where(Community.is_default.is_(True)))
    if community is None:
        community = Community(name=DEFAULT_NAME, is_default=True)
        session.add(community)
        session.flush()
    return community


def get_community(session: Session, community_id: uuid.UUID) -> Community | None:
    return session.get(Community, community_id)


def add_community(session: Session, community: Community) -> Community:
    session.add(community)
    session.flush()
    return community


def get_community_by_name(session: Session, name: str) -> Community | None:
    return session.scalar(select(Community).where(Community.name == name))


def list_communities(session: Session) -> Sequence[Community]:
    return session.scalars(select(Community).order_by(Community.name)).all()


def list_visible_communities(
    session: Session, *, scope: StoryScope, now: datetime, position: Position | None, limit: int
) -> KeysetPage:
    """A page of communities by name: every one for a signed-in caller of `scope`, else
    those holding a story they may hear. Rows are (community, sort key)."""
    query = select(Community)
    if not (scope.everything or scope.signed_in):
        holds_heard = with_consent(
            select(Story.id).where(Story.community_id == Community.id, story_heard(scope, now=now))
        )
        query = query.where(holds_heard.exists())
    sorting = Sorting(Community.name, Community.id, descending=False)
    return keyset_page(session, query, sorting=sorting, position=position, limit=limit)


def membership(
    session: Session, community_id: uuid.UUID, *, user_id: uuid.UUID
) -> Membership | None:
    return session.scalar(
        select(Membership).where(
            Membership.community_id == community_id, Membership.user_id == user_id
        )
    )


def save_membership(session: Session, membership: Membership) -> Membership:
    """Writes a new membership, or a changed role, now (the caller's transaction goes on)."""
    session.add(membership)
    session.flush()
    return membership


def remove_membership(session: Session, membership: Membership) -> None:
    session.delete(membership)


def members(session: Session, community_id: uuid.UUID) -> Sequence[Membership]:
    return session.scalars(
        select(Membership)
        .where(Membership.community_id == community_id)
        .order_by(Membership.created_at)
    ).all()


def get_protocol(session: Session, protocol_id: uuid.UUID) -> Protocol | None:
    return session.get(Protocol, protocol_id)


def get_protocols(
    session: Session, protocol_ids: Sequence[uuid.UUID], *, scope: CommunityScope
) -> Sequence[Protocol]:
    """Those of `protocol_ids` that belong to a community in `scope`."""
    if not protocol_ids:
        return []
    return session.scalars(
        select(Protocol).where(
            Protocol.id.in_(set(protocol_ids)), within(Protocol.community_id, scope)
        )
    ).all()


def protocols_in(session: Session, scope: CommunityScope) -> Sequence[Protocol]:
    """The protocols of the communities in `scope`, by name."""
    return session.scalars(
        select(Protocol)
        .where(within(Protocol.community_id, scope))
        .order_by(Protocol.name, Protocol.id)
    ).all()


def add_protocol(session: Session, protocol: Protocol) -> Protocol:
    session.add(protocol)
    session.flush()
    return protocol


def missing_users(session: Session, user_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    """Those of `user_ids` no user has, in the order given."""
    if not user_ids:
        return []
    found = set(session.scalars(select(User.id).where(User.id.in_(set(user_ids)))))
    return [user_id for user_id in user_ids if user_id not in found]


def protocol_member_ids(session: Session, protocol_id: uuid.UUID) -> list[uuid.UUID]:
    rows = session.execute(
        select(protocol_members.c.user_id).where(protocol_members.c.protocol_id == protocol_id)
    ).all()
    return [row[0] for row in rows]


def set_protocol_members(
    session: Session, protocol_id: uuid.UUID, *, user_ids: Sequence[uuid.UUID]
) -> None:
    session.execute(protocol_members.delete().where(protocol_members.c.protocol_id == protocol_id))
    if user_ids:
        session.execute(
            protocol_members.insert(),
            [{"protocol_id": protocol_id, "user_id": u} for u in set(user_ids)],
        )


@dataclass(frozen=True, slots=True)
class UserAccess:
    """What a user's access decisions read besides their role."""

    member_of: frozenset[uuid.UUID]
    archivist_of: frozenset[uuid.UUID]
    protocols: frozenset[uuid.UUID]
    granted_stories: frozenset[uuid.UUID]
    """Stories an access grant opens to the user now."""


def access_of(session: Session, user_id: uuid.UUID, *, now: datetime) -> UserAccess:
    """The user's communities (and where they are archivists), protocols and stories granted
    now, in one statement: every request of a signed-in caller reads them."""
    member_of: set[uuid.UUID] = set()
    archivist_of: set[uuid.UUID] = set()
    protocols: set[uuid.UUID] = set()
    granted: set[uuid.UUID] = set()
    for kind, found_id, role in session.execute(_access_of(), {"user_id": user_id, "now": now}):
        if kind == "community":
            member_of.add(found_id)
            if role == "archivist":
                archivist_of.add(found_id)
        elif kind == "protocol":
            protocols.add(found_id)
        else:
            granted.add(found_id)
    return UserAccess(
        member_of=frozenset(member_of),
        archivist_of=frozenset(archivist_of),
        protocols=frozenset(protocols),
        granted_stories=frozenset(granted),
    )


@functools.cache
def _access_of() -> CompoundSelect[str, uuid.UUID, str | None]:
    user_id = bindparam("user_id", type_=Membership.user_id.type)
    now = bindparam("now", type_=AccessGrant.starts_at.type)
    no_role = null().cast(Membership.role.type)
    return union_all(
        select(literal("community"), Membership.community_id, Membership.role).where(
            Membership.user_id == user_id
        ),
        select(literal("protocol"), protocol_members.c.protocol_id, no_role).where(
            protocol_members.c.user_id == user_id
        ),
        select(literal("grant"), AccessGrant.story_id, no_role).where(
            AccessGrant.user_id == user_id,
            AccessGrant.status == "granted",
            or_(AccessGrant.starts_at.is_(None), AccessGrant.starts_at <= now),
            or_(AccessGrant.ends_at.is_(None), AccessGrant.ends_at > now),
        ),
    )
