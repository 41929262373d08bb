"""The search page: the query box, filters and facets as links, hits grouped by story with
their highlighted words and time, paging. The same search as `GET /api/v1/search`, with the
same access filter; a query the index refuses shows the API's explanation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import ValidationError

from archive.deps import IndexDep, ReadSessionDep, SessionDep
from archive.discovery import service
from archive.discovery.schemas import SearchParams
from archive.errors import BadRequest
from archive.search.base import SearchHit
from archive.web.errors import PageRoute
from archive.web.page import Page, PageDep
from archive.web.time import clock

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PER_PAGE = 20
FILTERS = ("language", "collection_id", "narrator", "subject", "decade")
FACETS_SHOWN = 8


@dataclass(slots=True)
class StoryHits:
    story_id: uuid.UUID
    title: str
    hits: list[SearchHit] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class FacetValue:
    label: str
    count: int
    href: str
    active: bool


def _grouped(answer: service.SearchAnswer) -> list[StoryHits]:
    groups: dict[uuid.UUID, StoryHits] = {}
    for hit in answer.result.hits:
        story = answer.stories.get(hit.story_id)
        group = groups.setdefault(
            hit.story_id, StoryHits(hit.story_id, story.title if story else "")
        )
        group.hits.append(hit)
    return list(groups.values())


def _href(params: dict[str, str], **changes: str | None) -> str:
    """This search with `changes` (None takes a parameter out); any change but paging goes
    back to the first page."""
    merged = {k: v for k, v in params.items() if k != "page"}
    merged.update({k: v for k, v in changes.items() if v is not None})
    for name, value in changes.items():
        if value is None:
            merged.pop(name, None)
    return "/search?" + urlencode(merged)


def _names(answer: service.SearchAnswer) -> dict[str, dict[str, str]]:
    return {
        "narrator": {str(k): p.name for k, p in answer.narrators.items()},
        "collection_id": {str(k): title for k, title in answer.collections.items()},
    }


def _facets(
    answer: service.SearchAnswer, params: dict[str, str], page: Page
) -> dict[str, list[FacetValue]]:
    names = _names(answer)
    shown: dict[str, list[FacetValue]] = {}
    for facet in FILTERS:
        counts = answer.result.facets.get(facet, {})
        values = []
        for value, count in list(counts.items())[:FACETS_SHOWN]:
            active = params.get(facet) == value
            label = names.get(facet, {}).get(value, value)
            if facet == "decade":
                label = page.gettext("%(decade)ss", decade=value)
            values.append(
                FacetValue(
                    label, count, _href(params, **{facet: None if active else value}), active
                )
            )
        if values:
            shown[facet] = values
    return shown


@router.get("/search")
def search_page(
    page: PageDep,
    reads: ReadSessionDep,
    session: SessionDep,
    index: IndexDep,
    q: str = "",
) -> Response:
    raw = {k: v for k, v in page.request.query_params.items() if k in {"q", "page", *FILTERS}}
    params = {k: v.strip() for k, v in raw.items() if v.strip()}
    context: dict[str, Any] = {"q": q, "params": params, "clock": clock}
    if not q.strip():
        return page.render("search.html", context=context)
    try:
        parsed = SearchParams.model_validate({**params, "per_page": PER_PAGE})
    except ValidationError as invalid:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in invalid.errors()
        )
        context["problem"] = page.gettext(
            "Part of this search cannot be read (%(problems)s). Change it and search again.",
            problems=problems,
        )
        return page.render("search.html", status=400, context=context)
    try:
        answer = service.search(
            reads,
            index,
            audit=session,
            viewer=page.viewer,
            actor=page.actor,
            query=parsed.q,
            filters=parsed.filters(),
            offset=(parsed.page - 1) * PER_PAGE,
            limit=PER_PAGE,
            facets=FILTERS,
            for_pages=True,
        )
    except BadRequest as refused:
        context["problem"] = refused.detail
        return page.render("search.html", status=400, context=context)
    total = answer.result.total
    pages = max(1, -(-total // PER_PAGE))
    context.update(
        total=total,
        groups=_grouped(answer),
        facets=_facets(answer, params, page),
        page_no=parsed.page,
        pages=pages,
        previous=_href(params, page=str(parsed.page - 1)) if parsed.page > 1 else None,
        next=_href(params, page=str(parsed.page + 1)) if parsed.page < pages else None,
        active=[
            (
                name,
                _names(answer).get(name, {}).get(params[name], params[name]),
                _href(params, **{name: None}),
            )
            for name in FILTERS
            if name in params
        ],
    )
    return page.render("search.html", context=context)
