"""The `SearchIndex` port: what the archive asks of any search backend.

The database is the source of truth; an index holds one document per transcript segment and can
always be rebuilt from it (`archive reindex`). Every query carries a `SearchScope` that the
backend applies inside the query, so counts and highlights never leak what a caller may not see.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from archive.domain.access import SearchScope
from archive.search.documents import SegmentDocument


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


@dataclass(frozen=True, slots=True)
class SearchResult:
    total: int
    hits: Sequence[SearchHit]


class SearchIndex(Protocol):
    def replace_recording(
        self, recording_id: uuid.UUID, documents: Iterable[SegmentDocument]
    ) -> None:
        """Make the recording's documents exactly `documents`, atomically. Idempotent."""

    def remove_recording(self, recording_id: uuid.UUID) -> None: ...

    def search(self, query: str, scope: SearchScope, *, offset: int, limit: int) -> SearchResult:
        """Raises `archive.errors.BadRequest` for a query that cannot be parsed."""

    def ping(self) -> bool: ...

    def close(self) -> None: ...
