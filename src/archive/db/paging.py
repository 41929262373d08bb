"""Keyset paging: a page of a query in a stable order, and the position it ended on.

The order is a sort key and then the row's id, so rows with the same key (two stories with one
title) come in one order every time, and a page starts strictly after the last row of the one
before it: a row added or removed meanwhile never makes another appear twice or not at all.
The total is counted by the same query (its filters and access conditions), not by any row it
leaves out.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVarTuple

from sqlalchemy import ColumnElement, Row, Select, and_, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from archive.domain.cursors import ForeignPosition, Key, Position

KeyKind = Literal["text", "datetime"]
Selected = TypeVarTuple("Selected")


@dataclass(frozen=True, slots=True)
class Sorting:
    """Order by `key` (never NULL: coalesce it), then by `id`, both ascending or both
    descending. `kind` says how the key travels in a cursor."""

    key: ColumnElement[Any] | InstrumentedAttribute[Any]
    id: InstrumentedAttribute[uuid.UUID]
    descending: bool
    kind: KeyKind = "text"

    def order_by(self) -> list[ColumnElement[Any]]:
        if self.descending:
            return [self.key.desc(), self.id.desc()]
        return [self.key.asc(), self.id.asc()]

    def after(self, position: Position) -> ColumnElement[bool]:
        """Rows strictly after `position` in this order; `ForeignPosition` for a position
        whose key or id is not of this order's kind."""
        try:
            key, item = self.key_from_cursor(position.key), uuid.UUID(position.id)
        except ValueError as error:
            raise ForeignPosition(str(error)) from None
        if self.descending:
            return or_(self.key < key, and_(self.key == key, self.id < item))
        return or_(self.key > key, and_(self.key == key, self.id > item))

    def key_from_cursor(self, key: Key) -> Any:
        if self.kind == "datetime":
            if not isinstance(key, str):
                raise ValueError("not a time")
            moment = datetime.fromisoformat(key)
            if moment.tzinfo is None:
                raise ValueError("not a UTC time")
            return moment
        if not isinstance(key, str):
            raise ValueError("not text")
        return key

    def key_for_cursor(self, value: Any) -> Key:
        if isinstance(value, datetime):
            return value.isoformat()
        return None if value is None else str(value)


@dataclass(frozen=True, slots=True)
class KeysetPage:
    """The rows of one page, how many rows the whole query has, and where the next page
    starts (None on the last page). Each row is what the query selects, then its sort key."""

    rows: Sequence[Row[*tuple[Any, ...]]]
    total: int
    next: Position | None


def keyset_page(
    session: Session,
    query: Select[*Selected],
    *,
    sorting: Sorting,
    position: Position | None,
    limit: int,
) -> KeysetPage:
    """One page of `query` (which must select its id column first among its entities)."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    paged = query.add_columns(sorting.key.label("sort_key"))
    if position is not None:
        paged = paged.where(sorting.after(position))
    rows = session.execute(paged.order_by(*sorting.order_by()).limit(limit + 1)).all()
    following = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        following = Position(
            key=sorting.key_for_cursor(last.sort_key), id=str(_id_of(last, sorting))
        )
    return KeysetPage(rows=rows, total=total or 0, next=following)


def _id_of(row: Row[*tuple[Any, ...]], sorting: Sorting) -> uuid.UUID:
    first = row[0]
    found = getattr(first, sorting.id.key, first)
    if not isinstance(found, uuid.UUID):
        raise TypeError("a keyset query selects its entity (or its id) first")
    return found
