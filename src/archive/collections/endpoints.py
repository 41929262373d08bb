from __future__ import annotations

import uuid

from fastapi import APIRouter

from archive.collections import service
from archive.collections.schemas import CollectionCreate, CollectionRead
from archive.deps import CurrentViewer, SessionDep

router = APIRouter(tags=["collections"])


@router.post("/collections", status_code=201)
def create_collection(
    data: CollectionCreate, viewer: CurrentViewer, session: SessionDep
) -> CollectionRead:
    return CollectionRead.model_validate(service.create_collection(session, viewer, data))


@router.get("/collections")
def list_collections(session: SessionDep) -> list[CollectionRead]:
    return [CollectionRead.model_validate(c) for c in service.list_collections(session)]


@router.get("/collections/{collection_id}")
def get_collection(collection_id: uuid.UUID, session: SessionDep) -> CollectionRead:
    return CollectionRead.model_validate(service.get_collection(session, collection_id))
