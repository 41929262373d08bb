"""What `GET /api/v1/recordings` takes and answers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from archive.stories.filters import SortOrder
from archive.stories.recording_schemas import RecordingRead, RecordingStatus


class RecordingSort(StrEnum):
    """What recordings are ordered by; ties are broken by id."""

    CREATED = "created"
    UPDATED = "updated"


@dataclass(frozen=True, slots=True)
class RecordingFilters:
    """Which recordings to list; None means any."""

    status: str | None = None
    story_id: uuid.UUID | None = None
    community_id: uuid.UUID | None = None


class RecordingListParams(BaseModel):
    """The query of `GET /api/v1/recordings`; unknown parameters are refused."""

    model_config = ConfigDict(extra="forbid")

    status: RecordingStatus | None = Field(
        default=None,
        description="Only recordings in this state: `queued` or `transcribing` (waiting), "
        "`failed` (see `error`), `ready`.",
    )
    story_id: uuid.UUID | None = Field(default=None, description="Only this story's.")
    community_id: uuid.UUID | None = Field(
        default=None, description="Only recordings of this community's stories."
    )
    sort: RecordingSort = Field(
        default=RecordingSort.CREATED,
        description="Order by when it was uploaded (`created`) or last changed state (`updated`).",
    )
    order: SortOrder = Field(default=SortOrder.DESC, description="`asc` or `desc`.")
    cursor: str | None = Field(
        default=None,
        max_length=1000,
        description="`next_cursor` of the page before, with the same filters and order.",
    )
    limit: int = Field(default=20, ge=1, le=100, description="Recordings per page, at most 100.")

    def filters(self) -> RecordingFilters:
        return RecordingFilters(
            status=self.status, story_id=self.story_id, community_id=self.community_id
        )


class RecordingPage(BaseModel):
    """One page of the recordings of stories you may hear, each with its state, its progress
    and, when it failed, its error."""

    items: list[RecordingRead]
    total: int = Field(description="How many recordings you may hear match, on every page.")
    limit: int
    next_cursor: str | None = Field(
        description="Send as `cursor` (with the same filters) for the next page; null on the "
        "last page."
    )
