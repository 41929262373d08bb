"""Cursors for paging through a listing: where the last page ended, and for which query.

A cursor is opaque to clients: base64url JSON of the last item's sort key and id and a
fingerprint of the query (filters, sort, order) it was made for, with a checksum. It carries a
position, never a right: every page applies the caller's access anew, so a forged cursor can
at most start a page elsewhere. One that was altered, or belongs to another query, is refused
with `ValueError` saying what to do. Pure: no I/O.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any

Key = str | int | float | None
"""A sort key as JSON carries it (datetimes as ISO text)."""

_START_AGAIN = "start again without `cursor`"


class ForeignPosition(ValueError):
    """A position whose key or id is not of the kind the listing's order holds."""


@dataclass(frozen=True, slots=True)
class Position:
    """The last item a page ended on: its sort key and its id (which breaks ties)."""

    key: Key
    id: str


def fingerprint(query: Any) -> str:
    """A short digest of a query (any JSON-able value), to tie a cursor to it."""
    text = json.dumps(query, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _checksum(payload: bytes) -> str:
    return hashlib.sha256(b"archive-cursor:" + payload).hexdigest()[:12]


def encode_cursor(position: Position, *, query: str) -> str:
    """The cursor that continues after `position` for the query of fingerprint `query`."""
    payload = json.dumps(
        {"q": query, "k": position.key, "i": position.id}, separators=(",", ":")
    ).encode()
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{body}.{_checksum(payload)}"


def decode_cursor(cursor: str, *, query: str) -> Position:
    """The position `cursor` continues after; `ValueError` when it is not one we made, was
    altered, or was made for another query than `query`."""
    body, _, check = cursor.partition(".")
    try:
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        data = json.loads(payload)
    except (binascii.Error, ValueError):
        raise ValueError(
            f"`cursor` is not one this archive made: send `next_cursor` exactly as the "
            f"last page gave it, or {_START_AGAIN}"
        ) from None
    if check != _checksum(payload) or not isinstance(data, dict):
        raise ValueError(
            f"`cursor` was altered: send `next_cursor` exactly as the last page gave it, "
            f"or {_START_AGAIN}"
        )
    if data.get("q") != query:
        raise ValueError(
            "`cursor` belongs to a listing with other filters or another order: send the same "
            f"filters, `sort` and `order` as the page it came from, or {_START_AGAIN}"
        )
    key, item = data.get("k"), data.get("i")
    if not isinstance(item, str) or not (key is None or isinstance(key, str | int | float)):
        raise ValueError(f"`cursor` is not one this archive made; {_START_AGAIN}")
    return Position(key=key, id=item)
