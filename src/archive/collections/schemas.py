from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator


class CollectionCreate(BaseModel):
    """A new collection; in the community named by `community_id`, which an archivist of one
    community may leave out."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=500)
    description: str = Field(default="", max_length=100_000)
    community_id: uuid.UUID | None = Field(
        default=None,
        description="The community it belongs to; may be left out by an archivist of one "
        "community only",
    )


class CollectionUpdate(BaseModel):
    """The fields to change; those left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=500)
    description: str | None = Field(default=None, max_length=100_000)

    @field_validator("title")
    @classmethod
    def _title_has_text(cls, value: str | None) -> str | None:
        if value is None:
            raise ValueError("a collection needs a title; leave `title` out to keep it")
        if not value.strip():
            raise ValueError("give the collection a title")
        return value.strip()

    @field_validator("description")
    @classmethod
    def _description(cls, value: str | None) -> str | None:
        if value is None:
            raise ValueError('send "" to empty the description, or leave it out to keep it')
        return value


class CollectionRead(BaseModel):
    """A collection of stories within one community."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str
    description: str
    community_id: uuid.UUID
    created_at: datetime


class CollectionListParams(BaseModel):
    """The query of `GET /api/v1/collections`; unknown parameters are refused."""

    model_config = ConfigDict(extra="forbid")

    community_id: uuid.UUID | None = Field(default=None, description="Only this community's.")
    cursor: str | None = Field(
        default=None,
        max_length=1000,
        description="`next_cursor` of the page before, with the same `community_id`.",
    )
    limit: int = Field(default=50, ge=1, le=100, description="Collections per page, at most 100.")


class CollectionPage(BaseModel):
    """Collections by title: all of the communities you curate, and any other that holds a
    story you may hear."""

    items: list[CollectionRead]
    total: int = Field(description="How many collections you may see, on every page.")
    limit: int
    next_cursor: str | None = Field(
        description="Send as `cursor` for the next page; null on the last page."
    )
