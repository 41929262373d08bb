from __future__ import annotations

import uuid

from fastapi import APIRouter

from archive.collections import service
from archive.collections.schemas import CollectionCreate, CollectionRead, CollectionUpdate
from archive.deps import ActorDep, CurrentViewer, SessionDep

router = APIRouter(tags=["collections"])


@router.post("/collections", status_code=201)
def create_collection(
    data: CollectionCreate, viewer: CurrentViewer, session: SessionDep, actor: ActorDep
) -> CollectionRead:
    """Creates a collection in a community you are an archivist of (201)."""
    collection = service.create_collection(session, viewer, data=data, actor=actor)
    return CollectionRead.model_validate(collection)


@router.get("/collections")
def list_collections(viewer: CurrentViewer, session: SessionDep) -> list[CollectionRead]:
    """The collections of the communities you curate. Archivists only."""
    return [CollectionRead.model_validate(c) for c in service.list_collections(session, viewer)]


@router.get("/collections/{collection_id}")
def get_collection(
    collection_id: uuid.UUID, viewer: CurrentViewer, session: SessionDep
) -> CollectionRead:
    """A collection, to the archivists of its community and administrators."""
    return CollectionRead.model_validate(
        service.get_collection(session, viewer, collection_id=collection_id)
    )


@router.patch("/collections/{collection_id}")
def update_collection(
    collection_id: uuid.UUID,
    data: CollectionUpdate,
    *,
    viewer: CurrentViewer,
    session: SessionDep,
    actor: ActorDep,
) -> CollectionRead:
    """Renames or redescribes a collection; fields left out stay as they are. Archivists of
    its community only."""
    collection = service.update_collection(
        session, viewer, collection_id=collection_id, data=data, actor=actor
    )
    return CollectionRead.model_validate(collection)
