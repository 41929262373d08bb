from __future__ import annotations

from datetime import UTC, date, datetime, time

from pydantic import BaseModel, ConfigDict, Field, field_validator

from archive.datetimes import ZonedDatetime
from archive.domain.access import ConsentListen
from archive.models import Consent


class ConsentIn(BaseModel):
    """The narrator's consent, as recorded by whoever puts the story in."""

    model_config = ConfigDict(extra="forbid")

    given_by: str = Field(
        min_length=1, max_length=300, description="The name of the person giving consent"
    )
    listen: ConsentListen = Field(description="Who may listen: public, community, family, private")
    searchable: bool = Field(description="Whether the transcript may be found by search")
    embargo_until: date | ZonedDatetime | None = Field(
        default=None,
        description="Nobody but archivists hears the story before this date (a date alone: "
        "its start in UTC)",
    )

    @field_validator("given_by")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("give the name of the person consenting")
        return value.strip()

    def embargo_as_datetime(self) -> datetime | None:
        value = self.embargo_until
        if value is None:
            return None
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        return datetime.combine(value, time.min, tzinfo=UTC)


class ConsentRead(BaseModel):
    """The narrator's consent on a story, as recorded: who gave it, who may listen, whether
    it is searchable, an embargo, whether a signed document is kept, and its withdrawal if
    any."""

    given_by: str
    listen: ConsentListen
    searchable: bool
    embargo_until: datetime | None
    document: bool
    document_content_type: str | None
    withdrawn_at: datetime | None
    withdrawn_reason: str | None
    updated_at: datetime

    @classmethod
    def of(cls, consent: Consent) -> ConsentRead:
        return cls(
            given_by=consent.given_by,
            listen=ConsentListen(consent.listen),
            searchable=consent.searchable,
            embargo_until=consent.embargo_until,
            document=consent.document_key is not None,
            document_content_type=consent.document_content_type,
            withdrawn_at=consent.withdrawn_at,
            withdrawn_reason=consent.withdrawn_reason,
            updated_at=consent.updated_at,
        )


class ConsentWithdrawal(BaseModel):
    """Withdrawing a story's consent: it leaves playback at once and search within one index
    cycle; nothing is deleted."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=10_000)
