from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from archive.deps import ActorDep, IndexDep, SessionDep, ViewerDep
from archive.discovery import service
from archive.discovery.schemas import (
    FacetPersonRead,
    SearchHitRead,
    SearchParams,
    SearchResultRead,
)

router = APIRouter(tags=["search"])


@router.get("/search")
def search(
    params: Annotated[SearchParams, Query()],
    viewer: ViewerDep,
    actor: ActorDep,
    index: IndexDep,
    session: SessionDep,
) -> SearchResultRead:
    """Segments where the words are said, best first (each scored from its own words alone:
    see `score`), each with the second it starts at; with counts by language, collection,
    narrator, subject and decade of everything that matched, and the names of the narrators
    counted."""
    answer = service.search(
        session,
        index,
        viewer=viewer,
        actor=actor,
        query=params.q,
        filters=params.filters(),
        offset=(params.page - 1) * params.per_page,
        limit=params.per_page,
    )
    result = answer.result
    return SearchResultRead(
        total=result.total,
        page=params.page,
        per_page=params.per_page,
        hits=[SearchHitRead.model_validate(hit) for hit in result.hits],
        facets=result.facets,
        narrators={
            str(person_id): FacetPersonRead.of(person)
            for person_id, person in answer.narrators.items()
        },
    )
