"""How a listing of stories is filtered and ordered: plain values, read by the repository
and by the query schemas alike (and importing nothing of the archive, so either may import
them first)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum


class StorySort(StrEnum):
    """What stories are ordered by; ties are broken by id, so the order is always the same."""

    CREATED = "created"
    UPDATED = "updated"
    RECORDED = "recorded"
    TITLE = "title"


class SortOrder(StrEnum):
    """Ascending (oldest, A to Z) or descending (newest, Z to A)."""

    ASC = "asc"
    DESC = "desc"


@dataclass(frozen=True, slots=True)
class StoryFilters:
    """Which stories to list; None means any. Dates are partial dates as stored."""

    community_id: uuid.UUID | None = None
    collection_id: uuid.UUID | None = None
    status: str | None = None
    access: str | None = None
    language: str | None = None
    narrator: uuid.UUID | None = None
    recorded_from: str | None = None
    recorded_to: str | None = None
    q: str | None = None
