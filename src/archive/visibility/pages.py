"""A listing's cursor, from the query parameters a client sends to the position a page
starts after, and back. Every listing pages this way, so a client pages them all alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from archive.domain.cursors import Position, decode_cursor, encode_cursor, fingerprint
from archive.errors import BadRequest


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Where a page starts (None: at the first item), for the query of fingerprint `query`."""

    query: str
    position: Position | None

    def next_cursor(self, following: Position | None) -> str | None:
        return None if following is None else encode_cursor(following, query=self.query)


def page_request(listing: str, *, query: dict[str, Any], cursor: str | None) -> PageRequest:
    """The page `cursor` asks for in `listing` with these filters and order (`query`, JSON
    values without the cursor and the page size); `BadRequest` saying what to send for a
    cursor this archive did not make, or made for another query."""
    made_for = fingerprint([listing, query])
    if cursor is None:
        return PageRequest(made_for, None)
    try:
        return PageRequest(made_for, decode_cursor(cursor, query=made_for))
    except ValueError as error:
        raise BadRequest(str(error)) from None


def bad_cursor() -> BadRequest:
    """A cursor whose checksum held but whose position is not of this listing's order."""
    return BadRequest(
        "`cursor` is not one this archive made for this listing: send `next_cursor` exactly "
        "as the last page gave it, or start again without `cursor`"
    )
