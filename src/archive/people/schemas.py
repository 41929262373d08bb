from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class PersonRole(StrEnum):
    """A person's part in a story."""

    NARRATOR = "narrator"
    INTERVIEWER = "interviewer"
    TRANSLATOR = "translator"
    OTHER = "other"


def _clean_name(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise ValueError("give the person's name")
    return value


def _clean_other_names(values: list[str]) -> list[str]:
    names: list[str] = []
    for value in values:
        name = " ".join(value.split())
        if not name:
            raise ValueError("other names cannot be blank; leave out the empty one")
        if len(name) > 300:
            raise ValueError("each other name can be at most 300 characters")
        if name not in names:
            names.append(name)
    return names


def _check_year(value: int | None) -> int | None:
    if value is not None and value > datetime.now(UTC).year:
        raise ValueError(f"{value} is in the future")
    return value


class _PersonFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("name", check_fields=False)
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return None if value is None else _clean_name(value)

    @field_validator("other_names", check_fields=False)
    @classmethod
    def _other_names(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _clean_other_names(value)

    @field_validator("birth_year", "death_year", check_fields=False)
    @classmethod
    def _year(cls, value: int | None) -> int | None:
        return _check_year(value)


class PersonCreate(_PersonFields):
    """A new person (narrator, interviewer, translator) in a community."""

    name: str = Field(min_length=1, max_length=300)
    other_names: list[str] = Field(default_factory=list, max_length=20)
    birth_year: int | None = Field(default=None, ge=1000)
    death_year: int | None = Field(default=None, ge=1000)
    deceased: bool | None = Field(
        default=None,
        description="Whether they have passed away; true by itself when `death_year` is given",
    )
    notes: str = Field(default="", max_length=100_000)
    community_id: uuid.UUID | None = Field(
        default=None,
        description="The community whose list they are on; may be left out by an archivist "
        "of one community only",
    )

    @model_validator(mode="after")
    def _life(self) -> PersonCreate:
        check_life(self.birth_year, self.death_year, deceased=self.deceased)
        return self


class PersonUpdate(_PersonFields):
    """The fields to change; those left out stay as they are."""

    name: str | None = Field(default=None, min_length=1, max_length=300)
    other_names: list[str] | None = Field(default=None, max_length=20)
    birth_year: int | None = Field(default=None, ge=1000)
    death_year: int | None = Field(default=None, ge=1000)
    deceased: bool | None = None
    notes: str | None = Field(default=None, max_length=100_000)

    @model_validator(mode="after")
    def _not_null(self) -> PersonUpdate:
        for name in ("name", "other_names", "deceased", "notes"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"`{name}` cannot be null; leave it out to keep it as it is")
        return self


def check_life(birth_year: int | None, death_year: int | None, *, deceased: bool | None) -> None:
    """`ValueError` when the years and the flag contradict each other."""
    if birth_year is not None and death_year is not None and death_year < birth_year:
        raise ValueError(f"the death year {death_year} is before the birth year {birth_year}")
    if death_year is not None and deceased is False:
        raise ValueError(
            "a person with a death year has passed away; set `deceased` to true, or leave "
            "out `death_year`"
        )


class PersonRead(BaseModel):
    """A person who tells, asks or translates stories, with the community's notes."""

    id: uuid.UUID
    name: str
    other_names: list[str]
    birth_year: int | None
    death_year: int | None
    deceased: bool
    notes: str
    community_id: uuid.UUID
    created_at: datetime
    updated_at: datetime


class PersonPage(BaseModel):
    """One page of people, with the total and where the page starts."""

    items: list[PersonRead]
    total: int
    limit: int
    offset: int
