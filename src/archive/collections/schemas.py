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
