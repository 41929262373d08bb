from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from archive.collections import service
from archive.collections.schemas import (
    CollectionCreate,
    CollectionListParams,
    CollectionPage,
    CollectionRead,
    CollectionUpdate,
)
from archive.deps import ActorDep, CurrentViewer, SessionDep, ViewerDep

router = APIRouter(tags=["collections"])


@router.post("/collections", status_code=201)
def create_collection(
    data: CollectionCreate, viewer: CurrentViewer, session: SessionDep, actor: ActorDep
) -> CollectionRead:
    """Creates a collection in a community you are an archivist of (201)."""
    collection = service.create_collection(session, viewer, data=data, actor=actor)
    return CollectionRead.model_validate(collection)


@router.get(
    "/collections",
    responses={400: {"description": "A `cursor` that is not the one the last page gave."}},
)
def list_collections(
    params: Annotated[CollectionListParams, Query()], viewer: ViewerDep, session: SessionDep
) -> CollectionPage:
    """Collections by title, a page at a time: every one of the communities you curate, and
    any other that holds a story you may hear. Read on with `cursor=next_cursor`."""
    return service.list_collections(session, viewer, params=params)


@router.get("/collections/{collection_id}")
def get_collection(
    collection_id: uuid.UUID, viewer: ViewerDep, session: SessionDep
) -> CollectionRead:
    """A collection of a community you curate, or one that holds a story you may hear."""
    return CollectionRead.model_validate(
        service.get_visible_collection(session, viewer, collection_id=collection_id)
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
