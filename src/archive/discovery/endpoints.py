from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from archive.deps import AddressDep, FindViewerDep, IndexDep, ReadSessionDep, SessionDep
from archive.discovery import service
from archive.discovery.schemas import (
    FacetPersonRead,
    SearchHitRead,
    SearchParams,
    SearchResultRead,
)

router = APIRouter(tags=["search"])


@router.get("/search", response_model=SearchResultRead)
def search(
    params: Annotated[SearchParams, Query()],
    find_viewer: FindViewerDep,
    address: AddressDep,
    index: IndexDep,
    reads: ReadSessionDep,
    session: SessionDep,
) -> Response:
    """Segments where the words are said, best first (each scored from its own words alone:
    see `score`), each with the second it starts at. Counts by language, collection,
    narrator, subject and decade when asked for (`facets=`), with the names of the narrators
    counted.

    Every search does bounded work however many segments match: `total` is exact up to
    10,000 (`total_relation`), facets count at most 10,000 matches (`facets_complete`), and
    on the built-in index the hits are the best of a bounded window of the match
    (`ranking`). Examples: `q=flood OR storm -river`, `q="stone bridge" year:1950..1970`,
    `q=canoe narrator:"Ana Lopez" language:en&facets=collection,decade`."""
    # The busiest request: the caller is found in this thread, and the answer is written as
    # JSON once, by its model (FastAPI would check a returned model again before writing it).
    viewer = find_viewer()
    answer = service.search(
        reads,
        index,
        audit=session,
        viewer=viewer,
        actor=address.as_user(viewer.user_id if viewer is not None else None),
        query=params.q,
        filters=params.filters(),
        offset=(params.page - 1) * params.per_page,
        limit=params.per_page,
        facets=params.facet_names(),
    )
    result = answer.result
    read = SearchResultRead(
        total=result.total,
        total_relation="gte" if result.total_relation == "gte" else "eq",
        ranking="approximate" if result.ranking == "approximate" else "exact",
        facets_complete=result.facets_complete,
        page=params.page,
        per_page=params.per_page,
        hits=[SearchHitRead.model_validate(hit) for hit in result.hits],
        facets=result.facets,
        narrators={
            str(person_id): FacetPersonRead.of(person)
            for person_id, person in answer.narrators.items()
        },
    )
    return Response(content=read.model_dump_json(), media_type="application/json")
