"""The `SearchIndex` port: what the archive asks of any search backend.

The database is the source of truth; an index holds one document per transcript segment and can
always be rebuilt from it (`archive reindex`). Every query carries a `SearchScope` that the
backend applies inside the query, so counts, facets and highlights never leak what a caller may
not see. Filters narrow the same query; facets count within it. A hit's score, and so the order
of hits, comes from that document and the query alone (`archive.search.scoring`): documents the
caller cannot see never move it.

What a query matches, on every backend (the contract tests run each rule on FTS5 and on a real
Elasticsearch node):

- Words are compared after folding case and accents ("Jose" finds "José"). Every word typed
  must be in the segment, short common words too: no backend drops stop words, so "the canoe"
  needs "the", and the phrase "a canoe" needs "a" right before "canoe".
- Stemming is a backend's addition, never a loss: Elasticsearch also matches a word that stems
  alike by the rules of the segment's own language ("floods" finds "flooded" in English
  segments; "canoe" finds Spanish "canoa", both "cano" to a Spanish stemmer), the built-in
  index does not stem. A test or a caller may rely on exact words matching, not on stems
  failing to.
- A phrase is its words in order, next to each other (stemmed the same way per segment). A
  prefix (`cano*`) matches the start of a folded, unstemmed word and scores a constant part.
- Ties in score are ordered by story, then start time, then segment id, on every backend.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from archive.domain.access import SearchScope
from archive.search.documents import SegmentDocument
from archive.search.query import ParsedQuery

FACET_FIELDS = ("language", "collection_id", "narrator", "subject", "decade")
"""The facets every backend counts, in this order."""

FACET_SIZE = 100
"""At most this many values per facet, the most frequent first (ties by value)."""

TOTAL_LIMIT = 10_000
"""Totals are counted exactly up to this many matches; past it `total` is this number and
`total_relation` is "gte". Facets are counted over at most this many matches."""

RANK_WINDOW = 500
"""The built-in index scores at most this many matches per page window (the first it finds,
in the order it stores them) and returns the best of those: with more matches than this the
ranking is approximate (`ranking` "approximate"). Reading and scoring the window is most of
a search's work: 500 costs three quarters of what 1,000 did, at a million segments."""


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """Each field that is set must equal the document's; unset fields do not filter."""

    language: str | None = None
    story_id: uuid.UUID | None = None
    recording_id: uuid.UUID | None = None
    collection_id: uuid.UUID | None = None
    narrator: uuid.UUID | None = None
    """A person the story names as its narrator (one of `SegmentDocument.narrators`)."""
    subject: str | None = None
    """One of the story's subjects, exactly as written."""
    decade: int | None = None
    """The decade it was recorded in: 1950 for 1950 to 1959."""


NO_FILTERS = SearchFilters()


@dataclass(frozen=True, slots=True)
class SearchHit:
    story_id: uuid.UUID
    recording_id: uuid.UUID
    segment_id: uuid.UUID
    start: float
    end: float
    text: str
    highlight: str
    score: float
    """Positive, higher is better: `archive.search.scoring`, from this document alone."""
    language: str | None = None
    """The language of the segment's text (Whisper's code), when known."""
    track: str = "original"
    """Which transcript matched: "original" (what was said) or "translation" (English)."""


@dataclass(frozen=True, slots=True)
class SearchResult:
    """`facets` maps each facet asked for (of `FACET_FIELDS`) to {value: number of matching
    documents}; facets not asked for are absent.

    The counts are over every document that matches the query, the filters and the scope (not
    only this page), up to `TOTAL_LIMIT` of them (`facets_complete`). For the single-valued
    facets (language, collection, decade) they add up to `total` for documents that have that
    field; documents without one are not counted under any value. A document with several
    narrators or subjects counts once under each. Values are strings: a collection's or
    narrator's UUID in its canonical form, a subject as written, a decade as "1950".
    """

    total: int
    hits: Sequence[SearchHit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    total_relation: str = "eq"
    """"eq": `total` is exact; "gte": at least `total` (`TOTAL_LIMIT`) documents match."""
    ranking: str = "exact"
    """"exact": the hits are the best of every match; "approximate": the best of a bounded
    window of the match (`RANK_WINDOW`)."""
    facets_complete: bool = True
    """False when the facets were counted over the first `TOTAL_LIMIT` matches only."""


class SearchIndex(Protocol):
    def replace_recording(
        self, recording_id: uuid.UUID, documents: Iterable[SegmentDocument]
    ) -> None:
        """Make the recording's documents exactly `documents`. Idempotent.

        A search that starts after this returns sees the new documents.
        """

    def remove_recording(self, recording_id: uuid.UUID) -> None:
        """Idempotent: removing an unknown recording does nothing."""

    def remove_documents(self, segment_ids: Iterable[uuid.UUID]) -> None:
        """Remove these documents, whichever recording they belong to. Idempotent."""

    def search(
        self,
        query: str | ParsedQuery,
        scope: SearchScope,
        *,
        filters: SearchFilters = NO_FILTERS,
        offset: int,
        limit: int,
        facets: Collection[str] = (),
    ) -> SearchResult:
        """Hits best first (ties by story, then start time); the facets named in `facets`.

        The query's field filters (`ParsedQuery.fields`, `years`) narrow it like `filters`; a
        narrator or collection filter matches ids (the API resolves names first).
        Raises `archive.errors.BadRequest` for a query that cannot be parsed, and
        `archive.errors.ServiceUnavailable` when the backend cannot be reached.
        """

    def document_fingerprints(self) -> dict[uuid.UUID, str]:
        """segment_id -> `SegmentDocument.fingerprint()` of every stored document."""

    def rebuild(self, documents: Iterable[SegmentDocument]) -> None:
        """Replace the whole index with `documents`, switching readers over atomically.

        Searches keep answering from the old index while the new one is built, and see either
        all of the old or all of the new. When this raises, the old index is left as it was.
        Writes made by others while it runs may be lost in the switch: check afterwards
        (`archive.discovery.reindex.rebuild` does).
        """

    def ping(self) -> bool: ...

    def close(self) -> None: ...
