from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from archive.deps import ActorDep, IndexDep, SessionDep, ViewerDep
from archive.discovery import service
from archive.discovery.schemas import FacetPersonRead, SearchHitRead, SearchResultRead
from archive.search.base import SearchFilters

router = APIRouter(tags=["search"])


@router.get("/search")
def search(
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=1000,
            description='Words, "quoted phrases" and prefix* searches',
        ),
    ],
    viewer: ViewerDep,
    actor: ActorDep,
    index: IndexDep,
    session: SessionDep,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
    language: Annotated[
        str | None,
        Query(min_length=1, max_length=20, description="Only segments in this language (en)."),
    ] = None,
    story_id: Annotated[uuid.UUID | None, Query(description="Only this story.")] = None,
    recording_id: Annotated[uuid.UUID | None, Query(description="Only this recording.")] = None,
    collection_id: Annotated[
        uuid.UUID | None, Query(description="Only stories in this collection.")
    ] = None,
    narrator: Annotated[
        uuid.UUID | None, Query(description="Only stories this person (an id) narrates.")
    ] = None,
    subject: Annotated[
        str | None,
        Query(
            min_length=1, max_length=200, description="Only stories with this subject, as written."
        ),
    ] = None,
    decade: Annotated[
        int | None,
        Query(
            ge=1000,
            le=2100,
            multiple_of=10,
            description="Only stories recorded in this decade (1950 for 1950 to 1959).",
        ),
    ] = None,
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
        query=q,
        filters=SearchFilters(
            language=language,
            story_id=story_id,
            recording_id=recording_id,
            collection_id=collection_id,
            narrator=narrator,
            subject=subject,
            decade=decade,
        ),
        offset=(page - 1) * per_page,
        limit=per_page,
    )
    result = answer.result
    return SearchResultRead(
        total=result.total,
        page=page,
        per_page=per_page,
        hits=[
            SearchHitRead(
                story_id=h.story_id,
                recording_id=h.recording_id,
                segment_id=h.segment_id,
                start=h.start,
                end=h.end,
                text=h.text,
                highlight=h.highlight,
                score=h.score,
            )
            for h in result.hits
        ],
        facets=result.facets,
        narrators={
            str(person_id): FacetPersonRead.of(person)
            for person_id, person in answer.narrators.items()
        },
    )
