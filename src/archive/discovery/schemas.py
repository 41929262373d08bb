from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from archive.models import Person
from archive.search.base import SearchFilters
from archive.search.scoring import K1, REFERENCE_LENGTH, B


class SearchParams(BaseModel):
    """What `GET /api/v1/search` takes: the words, the page, and the filters. Other query
    parameters are ignored, as they always were."""

    q: str = Field(
        min_length=1, max_length=1000, description='Words, "quoted phrases" and prefix* searches'
    )
    page: int = Field(default=1, ge=1, le=10_000)
    per_page: int = Field(default=20, ge=1, le=100)
    language: str | None = Field(
        default=None,
        min_length=1,
        max_length=20,
        description="Only segments in this language (en).",
    )
    story_id: uuid.UUID | None = Field(default=None, description="Only this story.")
    recording_id: uuid.UUID | None = Field(default=None, description="Only this recording.")
    collection_id: uuid.UUID | None = Field(
        default=None, description="Only stories in this collection."
    )
    narrator: uuid.UUID | None = Field(
        default=None, description="Only stories this person (an id) narrates."
    )
    subject: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Only stories with this subject, as written.",
    )
    decade: int | None = Field(
        default=None,
        ge=1000,
        le=2100,
        multiple_of=10,
        description="Only stories recorded in this decade (1950 for 1950 to 1959).",
    )

    def filters(self) -> SearchFilters:
        return SearchFilters(
            language=self.language,
            story_id=self.story_id,
            recording_id=self.recording_id,
            collection_id=self.collection_id,
            narrator=self.narrator,
            subject=self.subject,
            decade=self.decade,
        )


class SearchHitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

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
            "analysers read them, and a trailing prefix adds a constant 1. In the built-in "
            "index a word found only through its English stem adds nothing, so the exact "
            "form ranks first.)"
        )
    )
    language: str | None = Field(
        default=None, description="The language of the segment's text (e.g. es), when known"
    )
    track: Literal["original", "translation"] = Field(
        default="original",
        description="Which transcript matched: what was said, or its English translation",
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
