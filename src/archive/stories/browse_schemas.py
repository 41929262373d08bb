"""What `GET /api/v1/stories` takes and answers: filters, order, a page."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from archive.domain.access import Access
from archive.domain.review import StoryStatus
from archive.stories.dates import parse_partial_date
from archive.stories.filters import SortOrder, StoryFilters, StorySort
from archive.stories.schemas import StoryRead

_PARTIAL_DATE = "as precisely as you like: 1952, 1952-06 or 1952-06-14"


class StoryListParams(BaseModel):
    """The query of `GET /api/v1/stories`. Unknown parameters are refused, so a misspelt
    filter does not silently list everything."""

    model_config = ConfigDict(extra="forbid")

    community_id: uuid.UUID | None = Field(default=None, description="Only this community's.")
    collection_id: uuid.UUID | None = Field(
        default=None, description="Only stories filed in this collection."
    )
    status: StoryStatus | None = Field(
        default=None,
        description="Only stories in this review state. Others than `published` are seen by "
        "the community's archivists and by whoever put the story in.",
    )
    access: Access | None = Field(default=None, description="Only stories of this access.")
    language: str | None = Field(
        default=None,
        min_length=2,
        max_length=35,
        pattern=r"^[A-Za-z0-9-]+$",
        description="Only stories in this language, as a tag: en, es, quz.",
    )
    narrator: uuid.UUID | None = Field(
        default=None, description="Only stories this person (an id from /api/v1/people) tells."
    )
    recorded_from: str | None = Field(
        default=None,
        max_length=10,
        description=f"Only stories recorded on or after this date, {_PARTIAL_DATE}.",
    )
    recorded_to: str | None = Field(
        default=None,
        max_length=10,
        description=f"Only stories recorded on or before this date, {_PARTIAL_DATE}.",
    )
    q: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Words in the title or description (any case; for what is said in the "
        "recordings, use /api/v1/search).",
    )
    sort: StorySort = Field(
        default=StorySort.CREATED,
        description="Order by when it was added (`created`), last changed (`updated`), "
        "recorded (`recorded`; stories without a date you may see come first in `asc`) or "
        "by `title`.",
    )
    order: SortOrder = Field(default=SortOrder.DESC, description="`asc` or `desc`.")
    cursor: str | None = Field(
        default=None,
        max_length=1000,
        description="`next_cursor` of the page before, to read the next one; with the same "
        "filters, `sort` and `order`.",
    )
    limit: int = Field(default=20, ge=1, le=100, description="Stories per page, at most 100.")

    @field_validator("recorded_from", "recorded_to")
    @classmethod
    def _partial_date(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return parse_partial_date(value, datetime.now(UTC).date()).text

    @model_validator(mode="after")
    def _range(self) -> StoryListParams:
        start, end = self.recorded_from, self.recorded_to
        if start is not None and end is not None and start[: len(end)] > end[: len(start)]:
            raise ValueError(f"`recorded_from` ({start}) is after `recorded_to` ({end}); swap them")
        return self

    def filters(self) -> StoryFilters:
        return StoryFilters(
            community_id=self.community_id,
            collection_id=self.collection_id,
            status=self.status.value if self.status else None,
            access=self.access.value if self.access else None,
            language=self.language,
            narrator=self.narrator,
            recorded_from=self.recorded_from,
            recorded_to=self.recorded_to,
            q=self.q.strip() or None if self.q else None,
        )


class StoryPage(BaseModel):
    """One page of stories. Each is as `GET /api/v1/stories/{id}` shows it to you: in full,
    or `listed_only` (title, description, languages, access) when you may know of it but not
    hear it."""

    items: list[StoryRead]
    total: int = Field(description="How many stories you may see match, on every page.")
    limit: int
    next_cursor: str | None = Field(
        description="Send as `cursor` (with the same filters) for the next page; null on the "
        "last page."
    )
