from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from archive.domain.access import Access
from archive.domain.review import ReviewAction, StoryStatus
from archive.models import Story


class Decision(StrEnum):
    """A step of a story's review: `start` it, then `publish` or `reject` it."""

    START = ReviewAction.START.value
    PUBLISH = ReviewAction.PUBLISH.value
    REJECT = ReviewAction.REJECT.value


class ReviewDecision(BaseModel):
    """An archivist's step in a story's review, with the reason for the audit log."""

    model_config = ConfigDict(extra="forbid")

    decision: Decision = Field(
        description='"start" a submitted story\'s review, then "publish" or "reject" it'
    )
    note: str = Field(
        default="", max_length=10_000, description="Why; kept in the audit log with the decision"
    )


class ReviewItem(BaseModel):
    """A story waiting in the review queue."""

    id: uuid.UUID
    title: str
    status: StoryStatus
    access: Access
    collection_id: uuid.UUID | None
    created_by: uuid.UUID | None
    upload_link_id: uuid.UUID | None
    has_consent: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, story: Story) -> ReviewItem:
        return cls(
            id=story.id,
            title=story.title,
            status=StoryStatus(story.status),
            access=Access(story.access),
            collection_id=story.collection_id,
            created_by=story.created_by,
            upload_link_id=story.upload_link_id,
            has_consent=story.consent is not None and story.consent.withdrawn_at is None,
            version=story.version,
            created_at=story.created_at,
            updated_at=story.updated_at,
        )


class ReviewPage(BaseModel):
    """Stories waiting for review, oldest first. `total` counts them all."""

    items: list[ReviewItem]
    total: int
    limit: int
    offset: int
