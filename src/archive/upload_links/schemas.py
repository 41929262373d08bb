from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from archive.datetimes import ZonedDatetime


class UploadLinkCreate(BaseModel):
    """A new upload link into one collection, with an optional end date, number of uses and
    note."""

    model_config = ConfigDict(extra="forbid")

    collection_id: uuid.UUID
    expires_at: ZonedDatetime | None = None
    max_uploads: int | None = Field(default=None, ge=1, le=100_000)
    note: str = Field(
        default="", max_length=5_000, description="Shown to the person who opens the link"
    )


class UploadLinkRead(BaseModel):
    """An upload link into one collection and how much it has been used."""

    id: uuid.UUID
    collection_id: uuid.UUID
    community_id: uuid.UUID
    expires_at: datetime | None
    max_uploads: int | None
    uses: int
    note: str
    revoked_at: datetime | None
    created_at: datetime


class UploadLinkCreated(UploadLinkRead):
    """A new upload link, with its token and page, shown this once."""

    token: str
    """Shown once; only its hash is kept."""
    url: str
    """The page to hand to the contributor; the token travels in the fragment, never to logs."""


class UploadLinkCurrent(BaseModel):
    """What the holder of a link sees about it."""

    collection_title: str
    note: str
    expires_at: datetime | None
    uploads_left: int | None
