from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.db.scope import within
from archive.domain.access import CommunityScope
from archive.models import Collection


def get_collection(
    session: Session, collection_id: uuid.UUID, *, scope: CommunityScope
) -> Collection | None:
    """The collection, if it belongs to a community in `scope`; None as if it did not
    exist otherwise."""
    return session.scalar(
        select(Collection).where(
            Collection.id == collection_id, within(Collection.community_id, scope)
        )
    )


def list_collections(session: Session, scope: CommunityScope) -> Sequence[Collection]:
    return session.scalars(
        select(Collection)
        .where(within(Collection.community_id, scope))
        .order_by(Collection.title, Collection.id)
    ).all()


def collection_titles(session: Session, collection_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The titles of those of `collection_ids` that exist, for naming a search's facet (whose
    counts already showed that the caller may see stories in them)."""
    if not collection_ids:
        return {}
    rows = session.execute(
        select(Collection.id, Collection.title).where(Collection.id.in_(collection_ids))
    )
    return {row.id: row.title for row in rows}


def save_collection(session: Session, collection: Collection) -> Collection:
    """Writes a new collection, or the changes to one, now (the caller's transaction goes on)."""
    session.add(collection)
    session.flush()
    return collection
