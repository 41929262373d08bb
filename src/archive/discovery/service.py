"""Searching for the API: the index's answer for what the caller may see, with the people its
narrator facet counts, named.

Documents hold narrators as person ids (`SegmentDocument.narrators`), so correcting a person's
record never makes the index stale; the names are read from the database at search time, and
only when the narrator facet has values.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from archive.collections import repository as collections
from archive.db.base import utcnow
from archive.domain.access import Viewer, can_view_story, search_scope
from archive.events.actor import Actor
from archive.events.repository import record_without_subject
from archive.models import Person, Story
from archive.people import repository as people
from archive.search.base import SearchFilters, SearchIndex, SearchResult
from archive.stories import repository as stories
from archive.stories.service import story_access


@dataclass(frozen=True, slots=True)
class SearchAnswer:
    result: SearchResult
    narrators: dict[uuid.UUID, Person]
    """The people of `result.facets["narrator"]`. An id whose person is gone (an index not yet
    repaired) is left out."""
    stories: dict[uuid.UUID, Story] = field(default_factory=dict)
    """The stories of the hits on this page."""
    collections: dict[uuid.UUID, str] = field(default_factory=dict)
    """The titles of the collections `result.facets["collection_id"]` counts, when asked for
    (`name_collections`)."""


def search(
    session: Session,
    index: SearchIndex,
    *,
    viewer: Viewer | None,
    actor: Actor,
    query: str,
    filters: SearchFilters,
    offset: int,
    limit: int,
    name_collections: bool = False,
) -> SearchAnswer:
    """Raises what `SearchIndex.search` raises. Reads the database after the index answers:
    the stories of the hits (to audit those that are not public) and, when the narrator facet
    counts someone, the people; with `name_collections`, the titles of the collections the
    collection facet counts (the pages show them; the API gives ids)."""
    result = index.search(query, search_scope(viewer), filters=filters, offset=offset, limit=limit)
    hit_stories = {
        story.id: story
        for story in stories.get_stories(session, {hit.story_id for hit in result.hits})
    }
    note_closed_hits(session, actor, query=query, result=result, stories=hit_stories)
    ids = {uuid.UUID(key) for key in result.facets.get("narrator", {})}
    titles: dict[uuid.UUID, str] = {}
    if name_collections and result.facets.get("collection_id"):
        titles = collections.collection_titles(
            session, {uuid.UUID(key) for key in result.facets["collection_id"]}
        )
    return SearchAnswer(
        result=result,
        narrators=people.get_people(session, ids),
        stories=hit_stories,
        collections=titles,
    )


MAX_QUERY_LOGGED = 300


def note_closed_hits(
    session: Session,
    actor: Actor,
    *,
    query: str,
    result: SearchResult,
    stories: Mapping[uuid.UUID, Story],
) -> None:
    """A search whose answer shows words of stories that are not open to everyone leaves one
    event naming those stories (in the order of their first hit): reading text through search
    is audited as reading the transcript is. A search that shows only public words leaves
    none. `stories` holds the hits' stories."""
    story_ids = list(dict.fromkeys(hit.story_id for hit in result.hits))
    if not story_ids:
        return
    now = utcnow()
    closed = {
        story.id
        for story in stories.values()
        if not can_view_story(None, story_access(story), now=now)
    }
    if not closed:
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
