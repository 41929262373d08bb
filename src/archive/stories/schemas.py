from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from archive.consent.schemas import ConsentIn, ConsentRead
from archive.domain.access import Access
from archive.models import Story
from archive.recordings.schemas import RecordingRead


class StoryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=500)
    description: str = Field(default="", max_length=100_000)
    languages: list[str] = Field(default_factory=list, max_length=20)
    access: Access | None = None
    collection_id: uuid.UUID | None = None
    consent: ConsentIn | None = None

    @field_validator("title")
    @classmethod
    def _title_has_text(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("give the story a title")
        return value

    @field_validator("languages")
    @classmethod
    def _language_tags(cls, value: list[str]) -> list[str]:
        tags = [tag.strip() for tag in value]
        for tag in tags:
            if not (1 < len(tag) <= 35) or not all(c.isalnum() or c == "-" for c in tag):
                raise ValueError(f"{tag!r} is not a language tag; use codes like en, es or quz")
        return tags


class StoryRead(BaseModel):
    id: uuid.UUID
    title: str
    description: str
    languages: list[str]
    access: Access
    status: str
    collection_id: uuid.UUID | None
    consent: ConsentRead | None
    version: int
    created_at: datetime
    updated_at: datetime
    recordings: list[RecordingRead]

    @classmethod
    def of(cls, story: Story) -> StoryRead:
        return cls(
            id=story.id,
            title=story.title,
            description=story.description,
            languages=list(story.languages),
            access=Access(story.access),
            status=story.status,
            collection_id=story.collection_id,
            consent=ConsentRead.of(story.consent) if story.consent else None,
            version=story.version,
            created_at=story.created_at,
            updated_at=story.updated_at,
            recordings=[RecordingRead.of(r) for r in story.recordings],
        )
