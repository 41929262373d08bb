"""The community scoping rule (`domain.access.curated_communities`) as a SQL condition, so
every repository applies it the same way: inside the query, never by filtering rows after."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, false, true
from sqlalchemy.orm import InstrumentedAttribute

from archive.domain.access import CommunityScope


def within(
    column: InstrumentedAttribute[uuid.UUID] | InstrumentedAttribute[uuid.UUID | None],
    scope: CommunityScope,
) -> ColumnElement[bool]:
    """`column` names a community in `scope`: always true for the unlimited scope (None),
    never for the empty one, and never for a row of no community unless unlimited."""
    if scope is None:
        return true()
    if not scope:
        return false()
    return column.in_(sorted(scope))
