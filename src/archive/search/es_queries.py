"""The Elasticsearch backend's requests and answers as plain data. Pure: no client, no I/O.

`archive.search.elasticsearch` sends these bodies as they are; keeping them here lets every
decision about mappings, analysis, access and highlighting be tested without a server.

The index itself (names, mapping, analysis, documents) is in `es_mapping`.

Queries, from `ParsedQuery`: the words (all required) are one `multi_match` over `text` and
every `text_{lang}`, so "floods" finds "flooded" in English segments and "canciones" finds
"canción" in Spanish ones, and each segment is matched by its own language's analyzer; a phrase
is the same with `type: phrase`; a prefix is `match_bool_prefix` on `text` (analysed like the
index, so case and accents fold; no stemming, which would cut prefixes short); a word or phrase
to leave out is `must_not` an exact phrase on `text`, as in the built-in index. The caller's
access scope and the filters are `filter` clauses of the same `bool` query, so `total`, facets
(`terms` aggregations) and highlights only ever count or show what the caller may see.
Narrators and subjects are keyword arrays: a `term` filter matches a document holding the value
among others, and a `terms` aggregation counts a document once under each of its values.

Scores: every text field is scored by `SIMILARITY`, a scripted similarity that is
`archive.search.scoring`'s rule over the field's analysed words (`doc.freq`, `doc.length`) and
reads no statistic of the index (no idf, no average length), so what a caller sees of a hit
never depends on documents they cannot see, on any shard. A prefix (`match_bool_prefix`'s last
word) scores a constant, as Elasticsearch rewrites prefix queries.

Highlights: the unified highlighter on every text field, whole segments (`number_of_fragments:
0`), `<mark>` tags and the HTML encoder. A segment matched through several fields gets one
highlight per field; `es_responses.merge_highlights` joins their marks over the original text
and escapes that text, so the API's `highlight` is the same HTML whichever backend made it.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from archive.domain.access import SearchScope
from archive.search.base import FACET_FIELDS, FACET_SIZE, TOTAL_LIMIT, SearchFilters
from archive.search.es_mapping import MAX_RESULT_WINDOW, TEXT_FIELD, TEXT_FIELDS, optional_text
from archive.search.query import ParsedQuery, QueryPart

PRE_TAG = "<mark>"
POST_TAG = "</mark>"


FACET_SOURCES: Mapping[str, str] = {
    "language": "language",
    "collection_id": "collection_id",
    "narrator": "narrators",
    "subject": "subjects",
    "decade": "decade",
}
"""Each of `FACET_FIELDS` -> the field its `terms` aggregation counts (and its filter tests)."""

_RESULT_FIELDS = [
    "segment_id",
    "recording_id",
    "story_id",
    "start",
    "end",
    "text",
    "language",
    "track",
]


def scope_filter(scope: SearchScope) -> dict[str, Any] | None:
    """The access decision as a query clause; None when the caller may see everything."""
    if scope.everything:
        return None
    allowed: list[dict[str, Any]] = []
    if scope.archivist_of:
        allowed.append({"terms": {"community_id": sorted(str(c) for c in scope.archivist_of)}})
    if scope.owner_id is not None:
        allowed.append({"term": {"owner_id": str(scope.owner_id)}})
    opened: list[dict[str, Any]] = [{"term": {"access": "public"}}]
    if scope.member_of:
        opened.append(
            {
                "bool": {
                    "filter": [
                        {"term": {"access": "community"}},
                        {"terms": {"community_id": sorted(str(c) for c in scope.member_of)}},
                    ]
                }
            }
        )
    if scope.protocols:
        # terms_set: the reader must hold as many of the document's protocols as it requires
        # (all of them, or one when the story says "any").
        opened.append(
            {
                "bool": {
                    "filter": [
                        {"term": {"access": "restricted"}},
                        {"range": {"protocols_required": {"gt": 0}}},
                        {
                            "terms_set": {
                                "protocol_ids": {
                                    "terms": sorted(str(p) for p in scope.protocols),
                                    "minimum_should_match_field": "protocols_required",
                                }
                            }
                        },
                    ]
                }
            }
        )
    if scope.granted_stories:
        opened.append({"terms": {"story_id": sorted(str(s) for s in scope.granted_stories)}})
    allowed.append(
        {
            "bool": {
                "filter": [
                    {"term": {"available": True}},
                    {"bool": {"should": opened, "minimum_should_match": 1}},
                ]
            }
        }
    )
    return {"bool": {"should": allowed, "minimum_should_match": 1}}


def filter_clauses(filters: SearchFilters) -> list[dict[str, Any]]:
    """One `term` clause per filter that is set; on an array field (narrators, subjects) it
    matches a document holding the value among others."""
    wanted: dict[str, str | int | None] = {
        "language": filters.language,
        "story_id": optional_text(filters.story_id),
        "recording_id": optional_text(filters.recording_id),
        "collection_id": optional_text(filters.collection_id),
        FACET_SOURCES["narrator"]: optional_text(filters.narrator),
        FACET_SOURCES["subject"]: filters.subject,
        FACET_SOURCES["decade"]: filters.decade,
    }
    return [{"term": {name: value}} for name, value in wanted.items() if value is not None]


def text_query(parsed: ParsedQuery) -> dict[str, Any]:
    """What to find, without scope or filters: a `bool` of `must` and `must_not` clauses."""
    must: list[dict[str, Any]] = []
    if parsed.terms:
        must.append(_part_clause(QueryPart("term", " ".join(parsed.terms))))
    must.extend(_part_clause(QueryPart("phrase", phrase)) for phrase in parsed.phrases)
    must.extend(_part_clause(QueryPart("prefix", prefix)) for prefix in parsed.prefixes)
    must.extend(
        {"bool": {"should": [_part_clause(part) for part in group], "minimum_should_match": 1}}
        for group in parsed.alternatives
    )
    query: dict[str, Any] = {"must": must}
    if parsed.excluded:
        query["must_not"] = [
            {"match_phrase": {TEXT_FIELD: {"query": text}}} for text in parsed.excluded
        ]
    return {"bool": query}


def _part_clause(part: QueryPart) -> dict[str, Any]:
    if part.kind == "phrase":
        return {"multi_match": {"query": part.text, "fields": list(TEXT_FIELDS), "type": "phrase"}}
    if part.kind == "prefix":
        return {"match_bool_prefix": {TEXT_FIELD: {"query": part.text, "operator": "and"}}}
    return {
        "multi_match": {
            "query": part.text,
            "fields": list(TEXT_FIELDS),
            "type": "best_fields",
            "operator": "and",
        }
    }


QUERY_FIELD_SOURCES: Mapping[str, str] = {
    "language": "language",
    "collection": "collection_id",
    "narrator": "narrators",
    "speaker": "speaker",
}
"""Each field a query can filter on (`query.FIELD_NAMES`, but year) -> the field it tests."""


def query_field_clauses(parsed: ParsedQuery) -> list[dict[str, Any]]:
    """The query's own field filters (`narrator:`, `year:` ...): one clause each."""
    clauses: list[dict[str, Any]] = [
        {"terms": {QUERY_FIELD_SOURCES[found.field]: list(found.values)}} for found in parsed.fields
    ]
    if parsed.years is not None:
        low, high = parsed.years
        clauses.append({"range": {"year": {"gte": low, "lte": high}}})
    return clauses


def search_body(
    parsed: ParsedQuery,
    scope: SearchScope,
    *,
    filters: SearchFilters,
    offset: int,
    limit: int,
    facets: Collection[str] = (),
) -> dict[str, Any]:
    """The body of `POST {alias}/_search`. Raises `ValueError` past `MAX_RESULT_WINDOW`."""
    if offset < 0 or limit < 0:
        raise ValueError(f"offset ({offset}) and limit ({limit}) must not be negative")
    if offset + limit > MAX_RESULT_WINDOW:
        raise ValueError(f"offset + limit must be at most {MAX_RESULT_WINDOW}")
    query = text_query(parsed)
    restrictions = [clause for clause in (scope_filter(scope),) if clause is not None]
    restrictions.extend(filter_clauses(filters))
    restrictions.extend(query_field_clauses(parsed))
    if restrictions:
        query["bool"]["filter"] = restrictions
    return {
        "query": query,
        "from": offset,
        "size": limit,
        # Counted exactly up to the limit, then "gte" (as the built-in index does).
        "track_total_hits": TOTAL_LIMIT,
        "track_scores": True,
        "sort": [
            {"_score": {"order": "desc"}},
            {"story_id": {"order": "asc"}},
            {"start": {"order": "asc"}},
            {"segment_id": {"order": "asc"}},
        ],
        "_source": {"includes": _RESULT_FIELDS},
        "highlight": {
            "type": "unified",
            "encoder": "html",
            "pre_tags": [PRE_TAG],
            "post_tags": [POST_TAG],
            "number_of_fragments": 0,
            "require_field_match": True,
            "fields": {field: {} for field in TEXT_FIELDS},
        },
        **facet_aggregations(facets),
    }


FACET_SAMPLE = "facet_sample"


def facet_aggregations(facets: Collection[str]) -> dict[str, Any]:
    """The facets asked for, counted over the best `TOTAL_LIMIT` matches (a `sampler`), so a
    search for a word in most segments never aggregates all of them; nothing when none are
    asked for."""
    if not facets:
        return {}
    return {
        "aggs": {
            FACET_SAMPLE: {
                "sampler": {"shard_size": TOTAL_LIMIT},
                "aggs": {
                    name: {
                        "terms": {
                            "field": FACET_SOURCES[name],
                            "size": FACET_SIZE,
                            "order": [{"_count": "desc"}, {"_key": "asc"}],
                        }
                    }
                    for name in FACET_FIELDS
                    if name in facets
                },
            }
        }
    }


def recording_query(recording_id: uuid.UUID, keep: Iterable[uuid.UUID] = ()) -> dict[str, Any]:
    """The recording's documents, but for the segments in `keep`."""
    query: dict[str, Any] = {"filter": [{"term": {"recording_id": str(recording_id)}}]}
    kept = sorted(str(segment_id) for segment_id in keep)
    if kept:
        query["must_not"] = [{"ids": {"values": kept}}]
    return {"bool": query}


def segments_query(segment_ids: Iterable[uuid.UUID]) -> dict[str, Any]:
    return {"ids": {"values": sorted(str(segment_id) for segment_id in segment_ids)}}
