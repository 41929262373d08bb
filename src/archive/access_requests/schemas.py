from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from archive.datetimes import ZonedDatetime
from archive.models import AccessGrant


class AccessRequestCreate(BaseModel):
    """A request to hear a story one may know of but not hear, with the reason."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(
        min_length=10,
        max_length=10_000,
        description="Why you need to hear it: your research, your relation",
    )


class AccessDecision(BaseModel):
    """An archivist's answer to an access request: grant it (for a while, from `starts_at`
    to `ends_at`) or refuse it, with a note for the asker."""

    model_config = ConfigDict(extra="forbid")

    decision: Literal["grant", "refuse"]
    starts_at: ZonedDatetime | None = None
    ends_at: ZonedDatetime | None = Field(default=None, description="Grants end by themselves")
    note: str = Field(default="", max_length=10_000)


class AccessRequestRead(BaseModel):
    """An access request, its state and the decision on it."""

    id: uuid.UUID
    story_id: uuid.UUID
    user_id: uuid.UUID
    reason: str
    status: Literal["requested", "granted", "refused", "expired", "revoked", "ended"]
    """`revoked`: an archivist ended the grant early; `ended`: the story was made private,
    which no grant opens; `expired`: its `ends_at` passed."""
    starts_at: datetime | None
    ends_at: datetime | None
    decided_by: uuid.UUID | None
    decision_note: str
    created_at: datetime
    decided_at: datetime | None

    @classmethod
    def of(cls, grant: AccessGrant, now: datetime) -> AccessRequestRead:
        """The grant as it stands at `now`: one granted whose end has passed is `expired`."""
        read = cls.model_validate(grant, from_attributes=True)
        if read.status == "granted" and read.ends_at is not None and read.ends_at <= now:
            return read.model_copy(update={"status": "expired"})
        return read
