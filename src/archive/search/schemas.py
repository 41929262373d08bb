from __future__ import annotations

import uuid

from pydantic import BaseModel


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
