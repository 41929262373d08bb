"""Collections group a community's stories; its archivists make them. Never commits.

Every write is scoped to the communities the caller curates: another community's collection
answers 404, as if it did not exist. Reading one, or listing them, also finds a collection
that holds a story the caller may hear (whose `collection_id` they are shown)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from archive.collections import repository
from archive.collections.schemas import (
    CollectionCreate,
    CollectionListParams,
    CollectionPage,
    CollectionRead,
    CollectionUpdate,
)
from archive.communities.service import community_for_new
from archive.db.base import utcnow
from archive.domain.access import Viewer, curated_communities, is_curator, story_scope
from archive.domain.cursors import ForeignPosition
from archive.errors import Forbidden, NotFound
from archive.events.actor import Actor
from archive.events.repository import record
from archive.models import Collection
from archive.visibility.pages import bad_cursor, page_request


def require_curator(viewer: Viewer, doing: str) -> None:
    if not is_curator(viewer):
        raise Forbidden(f"Only archivists and administrators may {doing}. Ask one of them.")


def create_collection(
    session: Session, viewer: Viewer, *, data: CollectionCreate, actor: Actor
) -> Collection:
    require_curator(viewer, "create collections")
    community = community_for_new(
        session, viewer, community_id=data.community_id, what="collection"
    )
    collection = repository.save_collection(
        session,
        Collection(
            title=data.title.strip(), description=data.description, community_id=community.id
        ),
    )
    record(
        session,
        actor,
        action="collection.created",
        subject=collection,
        details={"title": collection.title},
    )
    return collection


def update_collection(
    session: Session,
    viewer: Viewer,
    *,
    collection_id: uuid.UUID,
    data: CollectionUpdate,
    actor: Actor,
) -> Collection:
    """Changes the fields given, and logs each change with its before and after."""
    collection = get_collection(session, viewer, collection_id=collection_id)
    before = {"title": collection.title, "description": collection.description}
    if data.title is not None:
        collection.title = data.title
    if data.description is not None:
        collection.description = data.description
    after = {"title": collection.title, "description": collection.description}
    changed = [field for field in before if before[field] != after[field]]
    if changed:
        repository.save_collection(session, collection)
        record(
            session,
            actor,
            action="collection.updated",
            subject=collection,
            details={
                "before": {field: before[field] for field in changed},
                "after": {field: after[field] for field in changed},
            },
        )
    return collection


def get_collection(session: Session, viewer: Viewer, *, collection_id: uuid.UUID) -> Collection:
    """A collection of a community the caller curates, or `NotFound`."""
    require_curator(viewer, "see collections")
    collection = repository.get_collection(
        session, collection_id, scope=curated_communities(viewer)
    )
    if collection is None:
        raise NotFound(
            f"There is no collection {collection_id} in your communities. Check the id, or "
            "list them: GET /api/v1/collections."
        )
    return collection


def get_visible_collection(
    session: Session, viewer: Viewer | None, *, collection_id: uuid.UUID
) -> Collection:
    """A collection of a community the caller curates, or one holding a story they may
    hear; `NotFound` otherwise."""
    collection = repository.get_visible_collection(
        session,
        collection_id,
        curated=curated_communities(viewer),
        scope=story_scope(viewer),
        now=utcnow(),
    )
    if collection is None:
        raise NotFound(
            f"There is no collection {collection_id} that you can see. Check the id, or list "
            "those you can: GET /api/v1/collections."
        )
    return collection


def list_collections(
    session: Session, viewer: Viewer | None, *, params: CollectionListParams
) -> CollectionPage:
    """The collections `get_visible_collection` would find, a page at a time."""
    request = page_request(
        "collections", query={"community_id": str(params.community_id)}, cursor=params.cursor
    )
    try:
        page = repository.list_visible_collections(
            session,
            params.community_id,
            curated=curated_communities(viewer),
            scope=story_scope(viewer),
            now=utcnow(),
            position=request.position,
            limit=params.limit,
        )
    except ForeignPosition:
        raise bad_cursor() from None
    return CollectionPage(
        items=[CollectionRead.model_validate(row[0]) for row in page.rows],
        total=page.total,
        limit=params.limit,
        next_cursor=request.next_cursor(page.next),
    )


def curated_collections(session: Session, viewer: Viewer) -> list[Collection]:
    """The collections of the communities the caller curates (all, for an administrator):
    what a curator chooses from on a page."""
    require_curator(viewer, "see collections")
    return repository.collections_in(session, curated_communities(viewer))
