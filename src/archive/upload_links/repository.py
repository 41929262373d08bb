from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from archive.db.scope import within
from archive.domain.access import CommunityScope
from archive.models import UploadLink


def get_link(session: Session, link_id: uuid.UUID, *, scope: CommunityScope) -> UploadLink | None:
    """The link, if it belongs to a community in `scope`; None as if it did not exist."""
    return session.scalar(
        select(UploadLink).where(UploadLink.id == link_id, within(UploadLink.community_id, scope))
    )


def get_link_by_digest(session: Session, digest: str) -> UploadLink | None:
    return session.scalar(select(UploadLink).where(UploadLink.token_hash == digest))


def list_links(
    session: Session, collection_id: uuid.UUID | None, *, scope: CommunityScope
) -> Sequence[UploadLink]:
    query = (
        select(UploadLink)
        .where(within(UploadLink.community_id, scope))
        .order_by(UploadLink.created_at.desc(), UploadLink.id)
    )
    if collection_id is not None:
        query = query.where(UploadLink.collection_id == collection_id)
    return session.scalars(query).all()


def add_link(session: Session, link: UploadLink) -> UploadLink:
    session.add(link)
    session.flush()
    return link


def take_use(session: Session, link_id: uuid.UUID) -> bool:
    """Counts one upload against the link, atomically; False when it is used up."""
    link_table = UploadLink.__table__
    result = session.execute(
        update(UploadLink)
        .where(UploadLink.id == link_id)
        .where((UploadLink.max_uploads.is_(None)) | (UploadLink.uses < UploadLink.max_uploads))
        .values(uses=link_table.c.uses + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
