from __future__ import annotations

import uuid

from pydantic import BaseModel, Field


class SearchHitRead(BaseModel):
    story_id: uuid.UUID
    recording_id: uuid.UUID
    segment_id: uuid.UUID
    start: float
    end: float
    text: str
    highlight: str
    """The text, HTML-escaped, with matched terms in <mark>…</mark>."""
    score: float


class SearchResultRead(BaseModel):
    total: int
    page: int
    per_page: int
    hits: list[SearchHitRead]
    facets: dict[str, dict[str, int]] = Field(
        default_factory=dict,
        description=(
            "For `language` and `collection_id`: each value's number of matching segments "
            "you may see, over all pages, with the filters applied; most frequent first."
        ),
    )
