from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from archive.models import Person
from archive.search.scoring import K1, REFERENCE_LENGTH, B


class SearchHitRead(BaseModel):
    story_id: uuid.UUID
    recording_id: uuid.UUID
    segment_id: uuid.UUID
    start: float
    end: float
    text: str
    highlight: str
    """The text, HTML-escaped, with matched terms in <mark>…</mark>."""
    score: float = Field(
        description=(
            "How well this segment matches, higher first: each word, phrase or prefix you "
            f"searched for adds {K1 + 1:g}·tf / (tf + {K1:g}·({1 - B:g} + {B:g}·words / "
            f"{REFERENCE_LENGTH:g})), where tf is how often it occurs in this segment and words "
            f"is the segment's length (one occurrence in a {REFERENCE_LENGTH:g}-word segment "
            "adds 1.0). It reads nothing of any other segment: no "
            "document counts, no word rarity, no average length, so it never changes when "
            "segments you cannot see are added, edited or removed. Equal scores are ordered by "
            "story, then start time. (With Elasticsearch, words are counted as its language "
            "analysers read them, and a trailing prefix adds a constant 1.)"
        )
    )


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
