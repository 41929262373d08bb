"""The Elasticsearch index as plain data: its names, its mapping and analysis, and the
document of a segment. Pure: no client, no I/O.

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
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from archive.search.documents import SegmentDocument
from archive.search.scoring import K1, REFERENCE_LENGTH, B

MAX_RESULT_WINDOW = 10_000
"""Elasticsearch's default `index.max_result_window`: offset + limit may not pass it."""
MAPPING_VERSION = 6


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
        "owner_id": optional_text(doc.owner_id),
        "collection_id": optional_text(doc.collection_id),
        "fingerprint": doc.fingerprint(),
        "community_id": optional_text(doc.community_id),
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


def index_actions(alias: str, documents: Iterable[SegmentDocument]) -> Iterable[dict[str, Any]]:
    """Bulk `index` actions: writing a segment again overwrites it, so replaying is harmless."""
    for doc in documents:
        yield {
            "_op_type": "index",
            "_index": alias,
            "_id": str(doc.segment_id),
            "_source": document_source(doc),
        }


def optional_text(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)
