from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from archive.datetimes import ZonedDatetime
from archive.domain.access import Access
from archive.models import Story
from archive.people.schemas import PersonRole
from archive.stories.consent_schemas import ConsentIn, ConsentRead
from archive.stories.dates import DatePrecision, parse_partial_date
from archive.stories.metadata import content_warning, deceased_narrators
from archive.stories.recording_schemas import DetectedLanguageRead, RecordingRead, detected_in


class PersonLinkIn(BaseModel):
    """A person's part in the story: the person (from /api/v1/people) and their role."""

    model_config = ConfigDict(extra="forbid")

    person_id: uuid.UUID
    role: PersonRole


class StoryPersonRead(BaseModel):
    """A person named on a story, and their role in it."""

    person_id: uuid.UUID
    name: str
    role: PersonRole
    deceased: bool


def _terms(values: list[str], what: str) -> list[str]:
    """Stripped, without blanks' or repeats (ignoring case), in the order given."""
    terms: list[str] = []
    seen: set[str] = set()
    for value in values:
        term = " ".join(value.split())
        if not term:
            raise ValueError(f"{what} cannot be blank; leave out the empty one")
        if len(term) > 200:
            raise ValueError(f"each of the {what} can be at most 200 characters")
        if term.casefold() not in seen:
            seen.add(term.casefold())
            terms.append(term)
    return terms


def _optional_text(value: str | None) -> str | None:
    if value is None:
        return None
    return value.strip() or None


def language_tags(value: list[str]) -> list[str]:
    tags = [tag.strip() for tag in value]
    for tag in tags:
        if not (1 < len(tag) <= 35) or not all(c.isalnum() or c == "-" for c in tag):
            raise ValueError(f"{tag!r} is not a language tag; use codes like en, es or quz")
    return tags


class StoryFields(BaseModel):
    """The checks shared by `StoryCreate` and `StoryUpdate` on the descriptive fields."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("recorded_date", check_fields=False)
    @classmethod
    def _recorded_date(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return parse_partial_date(value, datetime.now(UTC).date()).text

    @field_validator("place", "rights", check_fields=False)
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        return _optional_text(value)

    @field_validator("subjects", check_fields=False)
    @classmethod
    def _subjects(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _terms(value, "subjects")

    @field_validator("keywords", check_fields=False)
    @classmethod
    def _keywords(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _terms(value, "keywords")

    @field_validator("related_story_ids", check_fields=False)
    @classmethod
    def _related(cls, value: list[uuid.UUID] | None) -> list[uuid.UUID] | None:
        return None if value is None else list(dict.fromkeys(value))

    @field_validator("people", check_fields=False)
    @classmethod
    def _people(cls, value: list[PersonLinkIn] | None) -> list[PersonLinkIn] | None:
        if value is None:
            return None
        pairs = [(link.person_id, link.role) for link in value]
        for pair in pairs:
            if pairs.count(pair) > 1:
                raise ValueError(f"person {pair[0]} is listed twice as {pair[1].value}")
        return value


_RECORDED_DATE = Field(
    default=None,
    description='When it was recorded, as precisely as known: "1952", "1952-06" or "1952-06-14"',
)
_PEOPLE = Field(
    default=None,
    max_length=100,
    description="Who tells, asks, translates: person ids and roles (archivists only)",
)


class StoryCreate(StoryFields):
    """A new story's metadata. Contributors and upload-link holders must give `consent`;
    their stories start `submitted` and private until an archivist reviews them."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "When the river flooded",
                    "description": "How the seeds were saved, and the bridge that was lost.",
                    "languages": ["en"],
                    "access": "public",
                    "recorded_date": "1987-06",
                    "place": "Saint Anne",
                    "subjects": ["floods", "farming"],
                    "consent": {
                        "given_by": "Tía Marta",
                        "listen": "public",
                        "searchable": True,
                    },
                }
            ]
        },
    )

    title: str = Field(min_length=1, max_length=500)
    description: str = Field(default="", max_length=100_000)
    languages: list[str] = Field(default_factory=list, max_length=20)
    translate: bool = Field(
        default=False, description="Also make an English translation track of each recording"
    )
    access: Access | None = None
    collection_id: uuid.UUID | None = None
    consent: ConsentIn | None = None
    recorded_date: str | None = _RECORDED_DATE
    place: str | None = Field(default=None, max_length=500)
    subjects: list[str] = Field(default_factory=list, max_length=50)
    keywords: list[str] = Field(default_factory=list, max_length=50)
    rights: str | None = Field(default=None, max_length=10_000)
    related_story_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    people: list[PersonLinkIn] | None = _PEOPLE
    community_id: uuid.UUID | None = Field(
        default=None,
        description="The community whose story it is; if omitted, yours when you belong to "
        "one only, else the default one (an upload link's stories go to its community)",
    )
    protocol_id: uuid.UUID | None = Field(default=None, description="One cultural protocol")
    protocol_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)
    protocol_mode: Literal["all", "any"] = Field(
        default="all", description="With several protocols: a listener needs all, or any one"
    )
    embargo_until: ZonedDatetime | None = Field(
        default=None, description="Nobody but the community's archivists hears it before then"
    )

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
    """A story: its metadata, who may hear it, its review status, consent and recordings.
    Someone who may know of the story but not hear it gets the title only."""

    id: uuid.UUID
    title: str
    description: str
    languages: list[str]
    detected_languages: list[DetectedLanguageRead] = []
    """The languages heard in its recordings, each with the detection's probability, the most
    often heard first."""
    translate: bool = False
    access: Access
    status: str
    collection_id: uuid.UUID | None
    community_id: uuid.UUID | None
    protocol_ids: list[uuid.UUID]
    protocol_mode: str
    embargo_until: datetime | None
    consent: ConsentRead | None
    version: int
    created_at: datetime
    updated_at: datetime
    recordings: list[RecordingRead]
    recorded_date: str | None
    recorded_date_precision: DatePrecision | None
    place: str | None
    subjects: list[str]
    keywords: list[str]
    rights: str | None
    related_story_ids: list[uuid.UUID]
    people: list[StoryPersonRead]
    content_warning: str | None
    """Set when a narrator has passed away: show it before the story's name and voice."""

    listed_only: bool = False
    """True when the caller may know of the story but not hear it: they get its title,
    description, languages and access (and a content warning), nothing else: no recordings,
    consent, people, place, dates, subjects or collection. Ask for access with
    POST /api/v1/stories/{id}/access-requests."""

    @classmethod
    def listed(cls, story: Story) -> StoryRead:
        """What someone who may know of the story but not hear it is told. A place, a date or
        a narrator's name can say as much as the recording; they stay with those who may hear."""
        full = cls.of(story)
        return full.model_copy(
            update={
                "recordings": [],
                "consent": None,
                "collection_id": None,
                "embargo_until": None,
                "recorded_date": None,
                "recorded_date_precision": None,
                "place": None,
                "subjects": [],
                "keywords": [],
                "rights": None,
                "related_story_ids": [],
                "people": [],
                "detected_languages": [],
                "listed_only": True,
            }
        )

    @classmethod
    def of(cls, story: Story) -> StoryRead:
        return cls(
            id=story.id,
            title=story.title,
            description=story.description,
            languages=list(story.languages),
            detected_languages=detected_in(story.recordings),
            translate=story.translate,
            access=Access(story.access),
            status=story.status,
            collection_id=story.collection_id,
            community_id=story.community_id,
            protocol_ids=[p.id for p in story.protocols],
            protocol_mode=story.protocol_mode,
            embargo_until=story.embargo_until,
            consent=ConsentRead.of(story.consent) if story.consent else None,
            version=story.version,
            created_at=story.created_at,
            updated_at=story.updated_at,
            recordings=[RecordingRead.of(r) for r in story.recordings],
            recorded_date=story.recorded_date,
            recorded_date_precision=(
                DatePrecision(story.recorded_date_precision)
                if story.recorded_date_precision
                else None
            ),
            place=story.place,
            subjects=list(story.subjects),
            keywords=list(story.keywords),
            rights=story.rights,
            related_story_ids=[uuid.UUID(i) for i in story.related_story_ids],
            people=[
                StoryPersonRead(
                    person_id=link.person_id,
                    name=link.person.name,
                    role=PersonRole(link.role),
                    deceased=link.person.deceased,
                )
                for link in story.people
            ],
            content_warning=content_warning(deceased_narrators(story)),
            listed_only=False,
        )


class StoryUpdate(StoryFields):
    """The fields to change; those left out stay as they are. The review status, who put the
    story in, its id and its version are not fields anyone sets: sending one is refused."""

    title: str | None = Field(default=None, min_length=1, max_length=500)
    description: str | None = Field(default=None, max_length=100_000)
    languages: list[str] | None = Field(default=None, max_length=20)
    translate: bool | None = Field(
        default=None, description="Also make an English translation track of new recordings"
    )
    access: Access | None = Field(default=None, description="Archivists only")
    collection_id: uuid.UUID | None = Field(default=None, description="Archivists only")
    recorded_date: str | None = _RECORDED_DATE
    place: str | None = Field(default=None, max_length=500)
    subjects: list[str] | None = Field(default=None, max_length=50)
    keywords: list[str] | None = Field(default=None, max_length=50)
    rights: str | None = Field(default=None, max_length=10_000)
    related_story_ids: list[uuid.UUID] | None = Field(default=None, max_length=100)
    people: list[PersonLinkIn] | None = _PEOPLE
    protocol_ids: list[uuid.UUID] | None = Field(
        default=None,
        max_length=20,
        description="The cultural protocols a listener needs ([] for none; archivists only)",
    )
    protocol_mode: Literal["all", "any"] | None = Field(
        default=None, description="With several protocols: all, or any one (archivists only)"
    )
    embargo_until: ZonedDatetime | None = Field(
        default=None,
        description="Nobody but the community's archivists hears it before then; null lifts "
        "the embargo (archivists only)",
    )

    @field_validator("protocol_ids")
    @classmethod
    def _distinct_protocols(cls, value: list[uuid.UUID] | None) -> list[uuid.UUID] | None:
        return None if value is None else list(dict.fromkeys(value))

    @field_validator("title")
    @classmethod
    def _title_has_text(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.strip():
            raise ValueError("give the story a title")
        return value.strip()

    @field_validator("languages")
    @classmethod
    def _language_tags(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else language_tags(value)

    @model_validator(mode="after")
    def _not_null(self) -> StoryUpdate:
        for name in NOT_NULL:
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"`{name}` cannot be null; leave it out to keep it as it is")
        return self


NOT_NULL = (
    "title",
    "description",
    "languages",
    "translate",
    "access",
    "subjects",
    "keywords",
    "related_story_ids",
    "people",
    "protocol_ids",
    "protocol_mode",
)
"""Fields of `StoryUpdate` that may be left out but not emptied with null (send [] or "")."""
