"""Collections group stories; archivists make them. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.orm import Session

from archive.collections import repository
from archive.collections.schemas import CollectionCreate
from archive.domain.access import Viewer, is_curator
from archive.errors import Forbidden, NotFound
from archive.events.repository import add_event
from archive.models import Collection


def require_curator(viewer: Viewer, doing: str) -> None:
    if not is_curator(viewer):
        raise Forbidden(f"Only archivists and administrators may {doing}. Ask one of them.")


def create_collection(session: Session, viewer: Viewer, data: CollectionCreate) -> Collection:
    require_curator(viewer, "create collections")
    collection = repository.add_collection(
        session, Collection(title=data.title.strip(), description=data.description)
    )
    add_event(
        session,
        actor_id=viewer.user_id,
        action="collection.created",
        subject_type="collection",
        subject_id=collection.id,
        details={"title": collection.title},
    )
    return collection


def get_collection(session: Session, collection_id: uuid.UUID) -> Collection:
    collection = repository.get_collection(session, collection_id)
    if collection is None:
        raise NotFound(f"There is no collection {collection_id}. Check the id.")
    return collection


def list_collections(session: Session) -> Sequence[Collection]:
    return repository.list_collections(session)
