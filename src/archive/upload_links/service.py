"""Upload links: a way in for people without accounts. Never commits.

A link belongs to its collection's community: its stories land there, and only that
community's archivists (and administrators) list or revoke it; to an archivist of another
community it answers 404, as if it did not exist."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.orm import Session

from archive.collections import repository as collections
from archive.collections.service import require_curator
from archive.db.base import utcnow
from archive.domain.access import Role, Viewer, curated_communities
from archive.domain.tokens import new_token, token_digest
from archive.errors import Forbidden, NotFound, Unprocessable
from archive.events.actor import Actor
from archive.events.repository import record
from archive.models import UploadLink
from archive.upload_links import repository
from archive.upload_links.schemas import UploadLinkCreate, UploadLinkCurrent

LINK_TOKEN_PREFIX = "link_"
ASK_FOR_A_NEW_LINK = "Ask the archivist who sent it to you for a new link."


def is_link_token(token: str) -> bool:
    return token.startswith(LINK_TOKEN_PREFIX)


def viewer_for_link_token(session: Session, token: str) -> Viewer:
    """The link holder, or `Forbidden` for a link that is unknown, revoked or expired."""
    link = repository.get_link_by_digest(session, token_digest(token))
    if link is None or link.revoked_at is not None:
        raise Forbidden(
            f"This upload link is not valid (it may have been revoked). {ASK_FOR_A_NEW_LINK}"
        )
    if link.expires_at is not None and link.expires_at <= utcnow():
        raise Forbidden(
            f"This upload link expired on {link.expires_at:%Y-%m-%d %H:%M} UTC. "
            f"{ASK_FOR_A_NEW_LINK}"
        )
    return Viewer(
        user_id=None,
        role=Role.CONTRIBUTOR,
        link_id=link.id,
        link_collection_id=link.collection_id,
        link_community_id=link.community_id,
    )


def take_upload(session: Session, viewer: Viewer) -> None:
    """Counts an upload made with a link; `Forbidden` when the link is used up."""
    if viewer.link_id is not None and not repository.take_use(session, viewer.link_id):
        raise Forbidden(
            f"This upload link has been used as many times as it allows. {ASK_FOR_A_NEW_LINK}"
        )


def create_link(
    session: Session, viewer: Viewer, *, data: UploadLinkCreate, actor: Actor
) -> tuple[UploadLink, str]:
    require_curator(viewer, "create upload links")
    collection = collections.get_collection(
        session, data.collection_id, scope=curated_communities(viewer)
    )
    if collection is None:
        raise Unprocessable(
            f"There is no collection {data.collection_id} in your communities; create it "
            "first (POST /api/v1/collections)."
        )
    if data.expires_at is not None and data.expires_at.tzinfo is None:
        raise Unprocessable("Give `expires_at` with a time zone, e.g. 2026-12-31T23:59:00Z.")
    if data.expires_at is not None and data.expires_at <= utcnow():
        raise Unprocessable("`expires_at` is in the past; give a future date.")
    token = LINK_TOKEN_PREFIX + new_token()
    link = repository.add_link(
        session,
        UploadLink(
            collection_id=collection.id,
            community_id=collection.community_id,
            token_hash=token_digest(token),
            note=data.note,
            expires_at=data.expires_at,
            max_uploads=data.max_uploads,
            created_by=viewer.user_id,
        ),
    )
    record(
        session,
        actor,
        action="upload_link.created",
        subject=link,
        details={
            "collection_id": str(data.collection_id),
            "max_uploads": data.max_uploads,
            "expires_at": data.expires_at.isoformat() if data.expires_at else None,
        },
    )
    return link, token


def revoke_link(session: Session, viewer: Viewer, *, link_id: uuid.UUID, actor: Actor) -> None:
    require_curator(viewer, "revoke upload links")
    link = repository.get_link(session, link_id, scope=curated_communities(viewer))
    if link is None:
        raise NotFound(
            f"There is no upload link {link_id} in your communities; GET "
            "/api/v1/upload-links lists them."
        )
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        record(session, actor, action="upload_link.revoked", subject=link)


def list_links(
    session: Session, viewer: Viewer, *, collection_id: uuid.UUID | None
) -> Sequence[UploadLink]:
    """The links of the communities the caller curates (all, for an administrator)."""
    require_curator(viewer, "list upload links")
    return repository.list_links(session, collection_id, scope=curated_communities(viewer))


def describe_current(session: Session, viewer: Viewer) -> UploadLinkCurrent:
    if viewer.link_id is None:
        raise NotFound(
            "This is for holders of an upload link; send its token as "
            "`Authorization: Bearer TOKEN`."
        )
    # The holder's own link, in its own community.
    scope = frozenset({viewer.link_community_id}) if viewer.link_community_id else frozenset()
    link = repository.get_link(session, viewer.link_id, scope=scope)
    assert link is not None
    collection = collections.get_collection(session, link.collection_id, scope=scope)
    return UploadLinkCurrent(
        collection_title=collection.title if collection else "",
        note=link.note,
        expires_at=link.expires_at,
        uploads_left=None if link.max_uploads is None else max(0, link.max_uploads - link.uses),
    )
