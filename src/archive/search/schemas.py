from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from archive.models import Person


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


class FacetPersonRead(BaseModel):
    name: str
    deceased: bool
    """Many communities ask for a notice before the name of someone who has passed away."""

    @classmethod
    def of(cls, person: Person) -> FacetPersonRead:
        return cls(name=person.name, deceased=person.deceased)


class SearchResultRead(BaseModel):
    total: int
    page: int
    per_page: int
    hits: list[SearchHitRead]
    facets: dict[str, dict[str, int]] = Field(
        default_factory=dict,
        description=(
            "For `language`, `collection_id`, `narrator` (person ids), `subject` and `decade` "
            '("1950"): each value\'s number of matching segments you may see, over all pages, '
            "with the filters applied; most frequent first. A segment of a story with several "
            "narrators or subjects counts under each."
        ),
    )
    narrators: dict[str, FacetPersonRead] = Field(
        default_factory=dict,
        description="The people the `narrator` facet counts, by the person id it is keyed by.",
    )
