"""The one type every API input that is a moment in time uses: `ZonedDatetime`.

A time without a zone (`2027-01-01T09:00:00`) could be any of some 26 hours; for an embargo or
an expiry that is the difference between a story opening early or late. It is refused with 422
and a detail that says to add one, never guessed; the JSON schema says so too. A date alone,
where a field also takes one (consent's `embargo_until`), means its start in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue

ZONE_RULE = (
    "A date and time with a time zone, e.g. 2027-01-01T09:00:00Z or "
    "2027-01-01T09:00:00+02:00; a time without a zone is refused."
)


def _require_zone(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            "add a time zone to this time, e.g. 2027-01-01T09:00:00Z (UTC) or "
            "2027-01-01T09:00:00+02:00: without one it could mean any of 26 hours"
        )
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError("give a time between the years 1 and 9999 in UTC") from None
    return value


class _ZoneRuleInSchema:
    def __get_pydantic_json_schema__(
        self, core: Any, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler.resolve_ref_schema(handler(core))
        schema["description"] = ZONE_RULE
        return schema


ZonedDatetime = Annotated[datetime, AfterValidator(_require_zone), _ZoneRuleInSchema()]
"""An aware datetime; a naive one fails validation (422) with a detail that says what to add."""
