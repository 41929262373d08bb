"""Searching for the API: the index's answer for what the caller may see, with the people its
narrator facet counts, named.

Documents hold narrators as person ids (`SegmentDocument.narrators`), so correcting a person's
record never makes the index stale; the names are read from the database at search time, and
only when the narrator facet has values.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from archive.domain.access import Viewer, search_scope
from archive.models import Person
from archive.people import repository as people
from archive.search.base import SearchFilters, SearchIndex, SearchResult


@dataclass(frozen=True, slots=True)
class SearchAnswer:
    result: SearchResult
    narrators: dict[uuid.UUID, Person]
    """The people of `result.facets["narrator"]`. An id whose person is gone (an index not yet
    repaired) is left out."""


def search(
    session: Session,
    index: SearchIndex,
    viewer: Viewer | None,
    query: str,
    filters: SearchFilters,
    *,
    offset: int,
    limit: int,
) -> SearchAnswer:
    """Raises what `SearchIndex.search` raises. Reads the database after the index answers,
    and not at all when no narrator is counted."""
    result = index.search(query, search_scope(viewer), filters=filters, offset=offset, limit=limit)
    ids = {uuid.UUID(key) for key in result.facets.get("narrator", {})}
    return SearchAnswer(result=result, narrators=people.get_people(session, ids))
