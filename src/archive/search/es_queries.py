"""The Elasticsearch backend's requests and answers as plain data. Pure: no client, no I/O.

`archive.search.elasticsearch` sends these bodies as they are; keeping them here lets every
decision about mappings, analysis, access and highlighting be tested without a server.

Names. Documents live in a versioned index, `{prefix}-segments-v{N}-{UTC timestamp}`, that the
alias `{prefix}-segments` points at; every read and write goes through the alias. An index
template for `{prefix}-segments-v{N}-*` holds the settings and mappings, so each index built
for version N (the first one, and each `archive reindex`) gets the same ones. A rebuild fills a
new index and moves the alias in one `update_aliases` call. N is `MAPPING_VERSION`: raise it
when the mappings or analysis change, and `archive reindex` moves the archive to the new one.

Languages. A transcript segment is in one language (Whisper's). Its text is indexed twice:
into `text`, with a language-neutral analyzer (Unicode word boundaries, lower case, accents
folded: what the built-in FTS5 index does), and, when its language is one we stem, into that
language's own field, `text_en`, `text_es`, `text_fr`, `text_de` or `text_pt`, analysed with
that language's stemmer, accents folded last. No stop words are dropped: every word a caller
types counts, in a phrase as anywhere (`search.base`), as in the built-in index. A field is
only ever filled with text in its language, so English stemming never runs over Spanish text:
a document has `text` and at most one `text_{lang}`. (Multi-fields, `text.en` and so on, would
analyse every segment with every language's analyzer; the per-language fields hold each text
once per analyzer that fits it.) Languages without a field here are searched through `text`
alone. A translation track's segments are English text, indexed as English whatever was
spoken; `track` says which transcript a document is from.

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

import re
import uuid
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from archive.domain.access import SearchScope
from archive.search.base import FACET_FIELDS, FACET_SIZE, TOTAL_LIMIT, SearchFilters
from archive.search.documents import SegmentDocument
from archive.search.query import ParsedQuery, QueryPart
from archive.search.scoring import K1, REFERENCE_LENGTH, B

MAPPING_VERSION = 6
MAX_RESULT_WINDOW = 10_000
"""Elasticsearch's default `index.max_result_window`: offset + limit may not pass it."""
TEMPLATE_PRIORITY = 200
"""Above the built-in templates (100), so no stack template ever shapes our indices."""

SIMILARITY = "archive_document_only"
SIMILARITY_SCRIPT = (
    "double tf = doc.freq; "
    f"double norm = {K1} * (1.0 - {B} + {B} * doc.length / {REFERENCE_LENGTH}); "
    f"return query.boost * {K1 + 1} * tf / (tf + norm);"
)
"""`scoring.part_score` in Painless: the term's (or phrase's) frequency and the field's length
in this document, and nothing of any other document."""

PRE_TAG = "<mark>"
POST_TAG = "</mark>"

LANGUAGE_ANALYZERS: Mapping[str, str] = {
    "en": "archive_english",
    "es": "archive_spanish",
    "fr": "archive_french",
    "de": "archive_german",
    "pt": "archive_portuguese",
}
"""Whisper's language code -> the analyzer of that language's text field."""

TEXT_FIELD = "text"
LANGUAGE_FIELDS: tuple[str, ...] = tuple(f"text_{code}" for code in LANGUAGE_ANALYZERS)
TEXT_FIELDS: tuple[str, ...] = (TEXT_FIELD, *LANGUAGE_FIELDS)

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
_PREFIX_PATTERN = re.compile(r"[a-z0-9][a-z0-9_.-]{0,99}")
_FRENCH_ELISIONS = ["l", "m", "t", "qu", "n", "s", "j", "d", "c", "jusqu", "quoiqu", "lorsqu"]


@dataclass(frozen=True, slots=True)
class IndexNames:
    """The names one archive uses in a cluster, all starting with its prefix."""

    prefix: str

    @property
    def alias(self) -> str:
        return f"{self.prefix}-segments"

    @property
    def template(self) -> str:
        return f"{self.prefix}-segments-v{MAPPING_VERSION}"

    @property
    def pattern(self) -> str:
        """Every index of this mapping version."""
        return f"{self.prefix}-segments-v{MAPPING_VERSION}-*"

    @property
    def every_version(self) -> str:
        """Every index this archive ever made, of any version."""
        return f"{self.prefix}-segments-v*"

    def new_index(self, now: datetime) -> str:
        """A fresh index name; `now` must be UTC-aware. Microseconds keep two rebuilds in
        one second apart."""
        if now.utcoffset() != timedelta(0):
            raise ValueError("the index name's time must be an aware UTC datetime")
        return f"{self.prefix}-segments-v{MAPPING_VERSION}-{now:%Y%m%d%H%M%S%f}"


def index_names(prefix: str) -> IndexNames:
    """Raises `ValueError` for a prefix Elasticsearch would refuse in an index name."""
    if not _PREFIX_PATTERN.fullmatch(prefix):
        raise ValueError(
            f"ARCHIVE_SEARCH_INDEX_PREFIX={prefix!r} cannot start an Elasticsearch index name; "
            "use lower-case letters, digits, '-', '_' or '.', starting with a letter or digit, "
            "for example archive."
        )
    return IndexNames(prefix)


def language_field(language: str | None) -> str | None:
    """The stemmed field for a transcript language ("en", "pt-BR", "PT"), or None."""
    if not language:
        return None
    code = language.strip().lower().replace("_", "-").partition("-")[0]
    return f"text_{code}" if code in LANGUAGE_ANALYZERS else None


def _language_analysis() -> tuple[dict[str, Any], dict[str, Any]]:
    """(analyzers, token filters): the built-in language analyzers rebuilt with accent folding
    after stemming (the stemmers expect the accents people write; queries typed without them
    still match), without stop words (a phrase's every word must be there: with "a" dropped,
    "a canoe" would match any "canoe" after any word), and without keyword markers, which need
    a per-archive word list."""
    filters: dict[str, Any] = {
        "archive_english_possessive": {"type": "stemmer", "language": "possessive_english"},
        "archive_english_stemmer": {"type": "stemmer", "language": "english"},
        "archive_spanish_stemmer": {"type": "stemmer", "language": "light_spanish"},
        "archive_french_elision": {
            "type": "elision",
            "articles_case": True,
            "articles": _FRENCH_ELISIONS,
        },
        "archive_french_stemmer": {"type": "stemmer", "language": "light_french"},
        "archive_german_stemmer": {"type": "stemmer", "language": "light_german"},
        "archive_portuguese_stemmer": {"type": "stemmer", "language": "light_portuguese"},
    }
    chains = {
        "archive_english": [
            "archive_english_possessive",
            "lowercase",
            "archive_english_stemmer",
        ],
        "archive_spanish": ["lowercase", "archive_spanish_stemmer"],
        "archive_french": [
            "archive_french_elision",
            "lowercase",
            "archive_french_stemmer",
        ],
        "archive_german": [
            "lowercase",
            "german_normalization",
            "archive_german_stemmer",
        ],
        "archive_portuguese": [
            "lowercase",
            "archive_portuguese_stemmer",
        ],
    }
    analyzers: dict[str, Any] = {
        name: {"type": "custom", "tokenizer": "standard", "filter": [*chain, "asciifolding"]}
        for name, chain in chains.items()
    }
    analyzers["archive_folded"] = {
        "type": "custom",
        "tokenizer": "standard",
        "filter": ["lowercase", "asciifolding"],
    }
    return analyzers, filters


def index_template_body(names: IndexNames) -> dict[str, Any]:
    """The body of `PUT _index_template/{names.template}`."""
    analyzers, filters = _language_analysis()
    keyword = {"type": "keyword"}
    stored_only = {"type": "keyword", "index": False, "doc_values": False}
    properties: dict[str, Any] = {
        "segment_id": keyword,
        "recording_id": keyword,
        "story_id": keyword,
        "transcript_id": keyword,
        "start": {"type": "double"},
        "end": {"type": "double"},
        TEXT_FIELD: {"type": "text", "analyzer": "archive_folded", "similarity": SIMILARITY},
        "language": keyword,
        "story_title": stored_only,
        "access": keyword,
        "owner_id": keyword,
        "collection_id": keyword,
        "fingerprint": stored_only,
        "community_id": keyword,
        "protocol_ids": keyword,
        "protocols_required": {"type": "integer"},
        "available": {"type": "boolean"},
        "narrators": keyword,
        "subjects": keyword,
        "decade": {"type": "integer"},
        "year": {"type": "integer"},
        "speaker": keyword,
        "track": keyword,
    }
    for code, analyzer in LANGUAGE_ANALYZERS.items():
        properties[f"text_{code}"] = {
            "type": "text",
            "analyzer": analyzer,
            "similarity": SIMILARITY,
        }
    return {
        "index_patterns": [names.pattern],
        "priority": TEMPLATE_PRIORITY,
        "_meta": {"archive_mapping_version": MAPPING_VERSION},
        "template": {
            "settings": {
                "index": {
                    "max_result_window": MAX_RESULT_WINDOW,
                    "similarity": {
                        SIMILARITY: {
                            "type": "scripted",
                            "script": {"source": SIMILARITY_SCRIPT},
                        }
                    },
                },
                "analysis": {"analyzer": analyzers, "filter": filters},
            },
            "mappings": {
                # A field we did not declare is a bug, not something to guess a type for.
                "dynamic": "strict",
                "_meta": {"archive_mapping_version": MAPPING_VERSION},
                "properties": properties,
            },
        },
    }


def document_source(doc: SegmentDocument) -> dict[str, Any]:
    """The stored document: every field of `doc`, its fingerprint, and the text again in its
    language's field when there is one. Its `_id` is the segment id."""
    source: dict[str, Any] = {
        "segment_id": str(doc.segment_id),
        "recording_id": str(doc.recording_id),
        "story_id": str(doc.story_id),
        "transcript_id": str(doc.transcript_id),
        "start": doc.start,
        "end": doc.end,
        TEXT_FIELD: doc.text,
        "language": doc.language,
        "story_title": doc.story_title,
        "access": str(doc.access),
        "owner_id": _optional_str(doc.owner_id),
        "collection_id": _optional_str(doc.collection_id),
        "fingerprint": doc.fingerprint(),
        "community_id": _optional_str(doc.community_id),
        "protocol_ids": [str(p) for p in doc.protocol_ids],
        "protocols_required": doc.protocols_required,
        "available": doc.available,
        "narrators": [str(p) for p in doc.narrators],
        "subjects": list(doc.subjects),
        "decade": doc.decade,
        "year": doc.year,
        "speaker": doc.speaker,
    }
    if doc.track != "original":
        # Left out for the original track (what a hit reads when it is missing), so an index
        # made before mapping version 6 keeps taking every original document until
        # `archive reindex` moves the archive to the new mapping.
        source["track"] = doc.track
    field = language_field(doc.language)
    if field is not None:
        source[field] = doc.text
    return source


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
        "story_id": _optional_str(filters.story_id),
        "recording_id": _optional_str(filters.recording_id),
        "collection_id": _optional_str(filters.collection_id),
        FACET_SOURCES["narrator"]: _optional_str(filters.narrator),
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


def index_actions(alias: str, documents: Iterable[SegmentDocument]) -> Iterable[dict[str, Any]]:
    """Bulk `index` actions: writing a segment again overwrites it, so replaying is harmless."""
    for doc in documents:
        yield {
            "_op_type": "index",
            "_index": alias,
            "_id": str(doc.segment_id),
            "_source": document_source(doc),
        }


def _optional_str(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)
