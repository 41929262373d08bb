from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from archive.db.paging import KeysetPage, Sorting, keyset_page
from archive.db.scope import within
from archive.domain.access import CommunityScope, StoryScope
from archive.domain.cursors import Position
from archive.models import Collection, Story
from archive.visibility.repository import story_heard, with_consent


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


def _visible(curated: CommunityScope, scope: StoryScope, *, now: datetime) -> ColumnElement[bool]:
    """Of a community in `curated`, or holding a story the caller of `scope` may hear."""
    holds_heard = with_consent(
        select(Story.id).where(Story.collection_id == Collection.id, story_heard(scope, now=now))
    ).exists()
    return or_(within(Collection.community_id, curated), holds_heard)


def get_visible_collection(
    session: Session,
    collection_id: uuid.UUID,
    *,
    curated: CommunityScope,
    scope: StoryScope,
    now: datetime,
) -> Collection | None:
    """The collection, if of a community in `curated` or holding a story the caller of
    `scope` may hear; None as if it did not exist otherwise."""
    return session.scalar(
        select(Collection).where(Collection.id == collection_id, _visible(curated, scope, now=now))
    )


def list_visible_collections(
    session: Session,
    community_id: uuid.UUID | None,
    *,
    curated: CommunityScope,
    scope: StoryScope,
    now: datetime,
    position: Position | None,
    limit: int,
) -> KeysetPage:
    """A page of the collections `get_visible_collection` would find, by title. Rows are
    (collection, sort key)."""
    query = select(Collection).where(_visible(curated, scope, now=now))
    if community_id is not None:
        query = query.where(Collection.community_id == community_id)
    sorting = Sorting(func.lower(Collection.title), Collection.id, descending=False)
    return keyset_page(session, query, sorting=sorting, position=position, limit=limit)


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


def ids_of_collections_titled(session: Session, title: str) -> list[uuid.UUID]:
    """Every collection titled `title` (case ignored), in any community: search uses them only
    to narrow what the caller may already see."""
    return list(
        session.scalars(select(Collection.id).where(func.lower(Collection.title) == title.lower()))
    )


def collections_in(session: Session, scope: CommunityScope) -> list[Collection]:
    """Every collection of the communities in `scope`, by title (for a curator's choices)."""
    query = select(Collection).where(within(Collection.community_id, scope))
    return list(session.scalars(query.order_by(Collection.title, Collection.id)))
