"""Searching for the API: the index's answer for what the caller may see, with the people its
narrator facet counts, named.

Documents hold narrators as person ids (`SegmentDocument.narrators`), so correcting a person's
record never makes the index stale; the names are read from the database at search time, and
only when the narrator facet has values.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Set
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from archive.collections import repository as collections
from archive.db.base import utcnow
from archive.domain.access import Viewer, search_scope
from archive.events.actor import Actor
from archive.events.repository import record_without_subject
from archive.models import Person, Story
from archive.people import repository as people
from archive.search.base import SearchFilters, SearchIndex, SearchResult
from archive.search.query import FieldFilter, ParsedQuery, parse_query
from archive.stories import repository as stories


@dataclass(frozen=True, slots=True)
class SearchAnswer:
    result: SearchResult
    narrators: dict[uuid.UUID, Person]
    """The people of `result.facets["narrator"]`. An id whose person is gone (an index not yet
    repaired) is left out."""
    stories: dict[uuid.UUID, Story] = field(default_factory=dict)
    """The stories of the hits on this page, when asked for (`for_pages`)."""
    collections: dict[uuid.UUID, str] = field(default_factory=dict)
    """The titles of the collections `result.facets["collection_id"]` counts, when asked for
    (`for_pages`)."""


def search(
    reads: Session,
    index: SearchIndex,
    *,
    audit: Session,
    viewer: Viewer | None,
    actor: Actor,
    query: str,
    filters: SearchFilters,
    offset: int,
    limit: int,
    facets: Collection[str] = (),
    for_pages: bool = False,
) -> SearchAnswer:
    """Raises `BadRequest` for a query that cannot be read, and what `SearchIndex.search`
    raises. Reads (`reads`: a transaction that takes no write lock, as a search is the
    archive's busiest request) before the index answers only to turn the narrator and
    collection names of the query's filters into ids; after it, which of the hits' stories
    are not open to everyone (to audit them, in `audit`, the request's own transaction, only
    when there are some) and, when the narrator facet counts someone, the people. With
    `for_pages`, also the stories of the hits and the titles of the collections the collection
    facet counts (the pages show them; the API gives ids)."""
    parsed = resolve_names(reads, parse_query(query))
    result = index.search(
        parsed,
        search_scope(viewer),
        filters=filters,
        offset=offset,
        limit=limit,
        facets=facets,
    )
    story_ids = {hit.story_id for hit in result.hits}
    closed = stories.ids_closed_to_everyone(reads, story_ids, now=utcnow())
    note_closed_hits(audit, actor, query=query, result=result, closed=closed)
    ids = {uuid.UUID(key) for key in result.facets.get("narrator", {})}
    titles: dict[uuid.UUID, str] = {}
    hit_stories: dict[uuid.UUID, Story] = {}
    if for_pages:
        hit_stories = {story.id: story for story in stories.get_stories(reads, story_ids)}
        if result.facets.get("collection_id"):
            titles = collections.collection_titles(
                reads, {uuid.UUID(key) for key in result.facets["collection_id"]}
            )
    return SearchAnswer(
        result=result,
        narrators=people.get_people(reads, ids),
        stories=hit_stories,
        collections=titles,
    )


def resolve_names(session: Session, parsed: ParsedQuery) -> ParsedQuery:
    """The query with each `narrator:` and `collection:` value that is not an id replaced by
    the ids of the people or collections of that name (none: the filter passes nothing)."""
    lookups = {
        "narrator": people.ids_of_people_named,
        "collection": collections.ids_of_collections_titled,
    }
    fields: list[FieldFilter] = []
    for found in parsed.fields:
        lookup = lookups.get(found.field)
        if lookup is None:
            fields.append(found)
            continue
        ids: set[str] = set()
        for value in found.values:
            try:
                ids.add(str(uuid.UUID(value)))
            except ValueError:
                ids.update(str(found_id) for found_id in lookup(session, value))
        fields.append(FieldFilter(found.field, tuple(sorted(ids))))
    return parsed.with_fields(tuple(fields))


MAX_QUERY_LOGGED = 300


def note_closed_hits(
    session: Session,
    actor: Actor,
    *,
    query: str,
    result: SearchResult,
    closed: Set[uuid.UUID],
) -> None:
    """A search whose answer shows words of stories that are not open to everyone (`closed`)
    leaves one event naming those stories (in the order of their first hit): reading text
    through search is audited as reading the transcript is. A search that shows only public
    words leaves none, and does not touch `session`."""
    story_ids = list(dict.fromkeys(hit.story_id for hit in result.hits))
    if closed.isdisjoint(story_ids):
        return
    record_without_subject(
        session,
        actor,
        action="search.closed_hits_read",
        subject_type="search",
        details={
            "query": query[:MAX_QUERY_LOGGED],
            "story_ids": [str(story_id) for story_id in story_ids if story_id in closed],
            "hits": sum(1 for hit in result.hits if hit.story_id in closed),
        },
    )
