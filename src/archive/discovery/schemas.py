from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from archive.models import Person
from archive.search.base import FACET_FIELDS, RANK_WINDOW, TOTAL_LIMIT, SearchFilters
from archive.search.scoring import K1, REFERENCE_LENGTH, B

FACET_PARAMS = {
    "collection": "collection_id",
    "collection_id": "collection_id",
    "language": "language",
    "narrator": "narrator",
    "subject": "subject",
    "decade": "decade",
}
"""What `facets=` takes -> the facet's name in the answer."""

QUERY_DESCRIPTION = """What to look for. All words must occur (in any form the index folds:
case and accents are ignored).

- `"stone bridge"`: the words together, in this order
- `riv*`: any word starting with riv
- `-flood`, `-"great flood"`: leave out segments with this word or phrase
- `flood OR storm` (OR in capitals): either will do; `flood OR storm river` is (flood or
  storm) and river
- `narrator:"Ana Lopez"`, `narrator:<person id>`: stories this person narrates
- `collection:"River stories"`, `collection:<collection id>`: stories in this collection
- `language:fr`: segments in this language
- `speaker:"Speaker 1"`: segments this speaker says, as the transcript names them
- `year:1950..1970`, `year:1952`, `year:1950..`, `year:..1970`: stories recorded then

A search needs at least one word besides its filters. A query that cannot be read answers 400
with a detail that shows how to write it."""


class SearchParams(BaseModel):
    """What `GET /api/v1/search` takes: the words, the page, and the filters. Other query
    parameters are ignored, as they always were."""

    q: str = Field(
        min_length=1,
        max_length=1000,
        description=QUERY_DESCRIPTION,
        examples=['"stone bridge" flood OR storm -river narrator:"Ana Lopez" year:1950..1970'],
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

    facets: str | None = Field(
        default=None,
        max_length=200,
        pattern=r"^[a-z_]+(,[a-z_]+)*$",
        description=(
            "Comma-separated facets to count: any of `collection`, `language`, `narrator`, "
            "`subject`, `decade` (for example `facets=language,decade`). None are counted "
            f"unless asked for. They are counted over at most {TOTAL_LIMIT:,} matching "
            "segments; `facets_complete` says whether that was all of them."
        ),
    )

    @field_validator("facets")
    @classmethod
    def _known_facets(cls, value: str | None) -> str | None:
        if value is not None:
            unknown = [name for name in value.split(",") if name not in FACET_PARAMS]
            if unknown:
                raise ValueError(
                    f"unknown facet {unknown[0]!r}; ask for any of "
                    + ", ".join(FACET_PARAMS)
                    + ", for example facets=language,decade"
                )
        return value

    def facet_names(self) -> tuple[str, ...]:
        """The facets asked for, as `SearchResult.facets` names them, in their order."""
        asked = {FACET_PARAMS[name] for name in (self.facets or "").split(",") if name}
        return tuple(name for name in FACET_FIELDS if name in asked)

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
    """One segment that matches a search: its story, recording, start and end in seconds,
    its text with the matches marked, and its score."""

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
    """A narrator as a search facet shows them."""

    name: str
    deceased: bool
    """Many communities ask for a notice before the name of someone who has passed away."""

    @classmethod
    def of(cls, person: Person) -> FacetPersonRead:
        return cls(name=person.name, deceased=person.deceased)


class SearchResultRead(BaseModel):
    """One page of search hits, the total over all pages, and the facets."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "total": 1,
                    "total_relation": "eq",
                    "ranking": "exact",
                    "page": 1,
                    "per_page": 20,
                    "hits": [
                        {
                            "story_id": "5b0e9d1c-8f3a-4c55-9d2e-0a4f1c6b7e21",
                            "recording_id": "c1a7f0de-2b6e-4d0f-9a85-3e9b2f4d6a10",
                            "segment_id": "9e3c2a71-54b8-4f0e-8d6a-1b2c3d4e5f60",
                            "start": 16.34,
                            "end": 20.04,
                            "text": "The stone bridge at St. Tann was washed away that same year.",
                            "highlight": "The <mark>stone bridge</mark> at St. Tann was washed "
                            "away that same year.",
                            "score": 2.1,
                        }
                    ],
                    "facets": {"language": {"en": 1}, "decade": {"1980": 1}},
                    "facets_complete": True,
                    "narrators": {},
                }
            ]
        }
    )

    total: int = Field(
        description=(
            f"How many segments you may see match: exact up to {TOTAL_LIMIT:,}; past that it "
            f'is {TOTAL_LIMIT:,} and `total_relation` is "gte".'
        )
    )
    total_relation: Literal["eq", "gte"] = Field(
        description='"eq": `total` is exact; "gte": at least `total` segments match.'
    )
    ranking: Literal["exact", "approximate"] = Field(
        description=(
            '"exact": the hits are the best-scoring of every match. "approximate": the '
            f"search matched more than the built-in index scores per query ({RANK_WINDOW:,} "
            "segments for the first pages, in the order they were indexed), and the hits are "
            "the best of those. Add words or filters for an exact ranking."
        )
    )
    page: int
    per_page: int
    hits: list[SearchHitRead]
    facets: dict[str, dict[str, int]] = Field(
        default_factory=dict,
        description=(
            "Only the facets asked for with `facets=`. For `language`, `collection_id`, "
            '`narrator` (person ids), `subject` and `decade` ("1950"): each value\'s number '
            "of matching segments you may see, over all pages, with the filters applied; most "
            "frequent first. A segment of a story with several narrators or subjects counts "
            f"under each. Counted over at most {TOTAL_LIMIT:,} matching segments."
        ),
    )
    facets_complete: bool = Field(
        default=True,
        description=(
            f"False when more than {TOTAL_LIMIT:,} segments matched: the facets then count "
            f"{TOTAL_LIMIT:,} of them (the first in the index's order on the built-in index, "
            "the best-scoring on Elasticsearch)."
        ),
    )
    narrators: dict[str, FacetPersonRead] = Field(
        default_factory=dict,
        description="The people the `narrator` facet counts, by the person id it is keyed by.",
    )
