"""An in-memory `SearchIndex`: the port's contract kept in a dict, for tests of the rules
around search that need neither a database file nor FTS5.

It passes the same contract tests as the real backends
(`tests/integration/search/test_search_contract.py`). Words are read as FTS5's
`unicode61 remove_diacritics 2` tokenizer reads them (letters and numbers, case and accents
folded); scores come from `archive.search.scoring`, counted as the FTS5 index counts them;
the scope is `SearchScope`'s docstring, applied per document. Highlighting is simple: each
word that matches a wanted word, a phrase's word or a prefix is marked on its own.
"""

from __future__ import annotations

import html
import threading
import unicodedata
import uuid
from collections import Counter
from collections.abc import Collection, Iterable

from archive.domain.access import SearchScope
from archive.search.analysis import english_stem, is_stemmed
from archive.search.base import (
    FACET_FIELDS,
    FACET_SIZE,
    NO_FILTERS,
    TOTAL_LIMIT,
    SearchFilters,
    SearchHit,
    SearchResult,
)
from archive.search.documents import SegmentDocument, documents_of
from archive.search.query import ParsedQuery, parse_query
from archive.search.scoring import segment_score


def _is_word_char(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category[0] in "LN" or category == "Co"


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.casefold())
    return "".join(ch for ch in decomposed if unicodedata.category(ch)[0] != "M")


def _spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each word of `text`: a run of letters, numbers and the marks on them."""
    spans: list[tuple[int, int]] = []
    start: int | None = None
    for position, ch in enumerate(text):
        inside = _is_word_char(ch) or (start is not None and unicodedata.category(ch)[0] == "M")
        if inside and start is None:
            start = position
        elif not inside and start is not None:
            spans.append((start, position))
            start = None
    if start is not None:
        spans.append((start, len(text)))
    return spans


def words(text: str) -> list[str]:
    return [_fold(text[start:end]) for start, end in _spans(text)]


def _tokens(found: list[str]) -> str:
    return "".join(f" {word} " for word in found)


def _occurs(needle: list[str], haystack: list[str], *, prefix: bool = False) -> bool:
    if not needle:
        return False
    return _tokens(needle)[: -1 if prefix else None] in _tokens(haystack)


class MemorySearchIndex:
    """Thread-safe: one lock around the documents; a search reads a snapshot."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._documents: dict[uuid.UUID, SegmentDocument] = {}

    def replace_recording(
        self, recording_id: uuid.UUID, documents: Iterable[SegmentDocument]
    ) -> None:
        docs = documents_of(recording_id, documents)
        with self._lock:
            self._drop_recording(recording_id)
            self._documents.update((doc.segment_id, doc) for doc in docs)

    def remove_recording(self, recording_id: uuid.UUID) -> None:
        with self._lock:
            self._drop_recording(recording_id)

    def _drop_recording(self, recording_id: uuid.UUID) -> None:
        for segment_id in [s for s, d in self._documents.items() if d.recording_id == recording_id]:
            del self._documents[segment_id]

    def remove_documents(self, segment_ids: Iterable[uuid.UUID]) -> None:
        with self._lock:
            for segment_id in segment_ids:
                self._documents.pop(segment_id, None)

    def search(
        self,
        query: str | ParsedQuery,
        scope: SearchScope,
        *,
        filters: SearchFilters = NO_FILTERS,
        offset: int,
        limit: int,
        facets: Collection[str] = (),
    ) -> SearchResult:
        parsed = query if isinstance(query, ParsedQuery) else parse_query(query)
        with self._lock:
            snapshot = list(self._documents.values())
        scored = [
            (score, doc)
            for doc in snapshot
            if _visible(doc, scope) and _passes(doc, filters) and _fields_pass(doc, parsed)
            for score in [_score(parsed, words(doc.text), english=is_stemmed(doc.language))]
            if score is not None
        ]
        scored.sort(
            key=lambda pair: (
                -pair[0],
                str(pair[1].story_id),
                pair[1].start,
                str(pair[1].segment_id),
            )
        )
        hits = [
            SearchHit(
                story_id=doc.story_id,
                recording_id=doc.recording_id,
                segment_id=doc.segment_id,
                start=doc.start,
                end=doc.end,
                text=doc.text,
                highlight=_highlight(parsed, doc.text),
                score=score,
                language=doc.language,
                track=doc.track,
            )
            for score, doc in scored[offset : offset + limit]
        ]
        total = min(len(scored), TOTAL_LIMIT)
        relation = "gte" if len(scored) > TOTAL_LIMIT else "eq"
        return SearchResult(
            total=total,
            hits=hits,
            facets=_facets([doc for _, doc in scored[:TOTAL_LIMIT]], facets),
            total_relation=relation,
            facets_complete=relation == "eq",
        )

    def document_fingerprints(self) -> dict[uuid.UUID, str]:
        with self._lock:
            return {segment_id: doc.fingerprint() for segment_id, doc in self._documents.items()}

    def rebuild(self, documents: Iterable[SegmentDocument]) -> None:
        """Reads every document first, then switches at once: searches meanwhile see the old."""
        fresh = {doc.segment_id: doc for doc in documents}
        with self._lock:
            self._documents = fresh

    def ping(self) -> bool:
        return True

    def close(self) -> None:
        """Nothing to release."""


def _stems(found: list[str]) -> list[str]:
    return [_fold(english_stem(word)) for word in found]


def _score(parsed: ParsedQuery, found: list[str], *, english: bool) -> float | None:
    """The document's score, or None when it does not match. A bare word of an English
    document also matches through its English stem, and then adds nothing to the score."""
    wanted = [
        *((words(term), False) for term in parsed.terms),
        *((words(phrase), False) for phrase in parsed.phrases),
        *((words(prefix), True) for prefix in parsed.prefixes),
    ]
    groups = [[(words(p.text), p.kind == "prefix") for p in group] for group in parsed.alternatives]
    group_terms = [
        words(p.text) for group in parsed.alternatives for p in group if p.kind == "term"
    ]
    stemmed = _stems(found) if english else []
    terms = [words(term) for term in parsed.terms]

    def matches(part: list[str], *, prefix: bool, bare: list[list[str]]) -> bool:
        if _occurs(part, found, prefix=prefix):
            return True
        return part in bare and bool(stemmed) and _occurs(_stems(part), stemmed)

    if not all(matches(part, prefix=prefix, bare=terms) for part, prefix in wanted if part):
        return None
    if not all(
        any(matches(part, prefix=prefix, bare=group_terms) for part, prefix in group if part)
        for group in groups
    ):
        return None
    wanted.extend(part for group in groups for part in group)
    if not any(part for part, _ in wanted):
        return None
    if any(_occurs(words(text), found) for text in parsed.excluded):
        return None
    tokens = _tokens(found)
    tfs = [
        float(tokens.count(_tokens(part)[: -1 if prefix else None]))
        for part, prefix in wanted
        if part
    ]
    return segment_score(tfs, len(found)) if tfs else 1.0


def _visible(doc: SegmentDocument, scope: SearchScope) -> bool:
    if scope.everything:
        return True
    if doc.community_id is not None and doc.community_id in scope.archivist_of:
        return True
    if scope.owner_id is not None and doc.owner_id == scope.owner_id:
        return True
    if not doc.available:
        return False
    held = len(scope.protocols.intersection(doc.protocol_ids))
    return (
        doc.access == "public"
        or (doc.access == "community" and doc.community_id in scope.member_of)
        or (doc.access == "restricted" and 0 < doc.protocols_required <= held)
        or doc.story_id in scope.granted_stories
    )


def _passes(doc: SegmentDocument, filters: SearchFilters) -> bool:
    return (
        (filters.language is None or doc.language == filters.language)
        and (filters.story_id is None or doc.story_id == filters.story_id)
        and (filters.recording_id is None or doc.recording_id == filters.recording_id)
        and (filters.collection_id is None or doc.collection_id == filters.collection_id)
        and (filters.narrator is None or filters.narrator in doc.narrators)
        and (filters.subject is None or filters.subject in doc.subjects)
        and (filters.decade is None or doc.decade == filters.decade)
    )


def _fields_pass(doc: SegmentDocument, parsed: ParsedQuery) -> bool:
    values: dict[str, set[str | None]] = {
        "language": {doc.language},
        "collection": {str(doc.collection_id)},
        "speaker": {doc.speaker},
        "narrator": {str(narrator) for narrator in doc.narrators},
    }
    for found in parsed.fields:
        if not values[found.field] & set(found.values):
            return False
    if parsed.years is not None:
        low, high = parsed.years
        return doc.year is not None and low <= doc.year <= high
    return True


def _facet_values(doc: SegmentDocument, name: str) -> list[str]:
    if name == "language":
        return [] if doc.language is None else [doc.language]
    if name == "collection_id":
        return [] if doc.collection_id is None else [str(doc.collection_id)]
    if name == "narrator":
        return [str(narrator) for narrator in doc.narrators]
    if name == "subject":
        return list(doc.subjects)
    return [] if doc.decade is None else [str(doc.decade)]


def _facets(docs: list[SegmentDocument], wanted: Collection[str]) -> dict[str, dict[str, int]]:
    facets: dict[str, dict[str, int]] = {}
    for name in FACET_FIELDS:
        if name not in wanted:
            continue
        counts = Counter(value for doc in docs for value in _facet_values(doc, name))
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:FACET_SIZE]
        facets[name] = dict(ordered)
    return facets


def _highlight(parsed: ParsedQuery, text: str) -> str:
    others = [part for group in parsed.alternatives for part in group]
    whole = {
        word
        for part in (
            *parsed.terms,
            *parsed.phrases,
            *(p.text for p in others if p.kind != "prefix"),
        )
        for word in words(part)
    }
    prefixes = tuple(
        word
        for prefix in (*parsed.prefixes, *(p.text for p in others if p.kind == "prefix"))
        for word in words(prefix)
    )
    pieces: list[str] = []
    done = 0
    for start, end in _spans(text):
        word = _fold(text[start:end])
        if word in whole or (prefixes and word.startswith(prefixes)):
            pieces.append(html.escape(text[done:start]))
            pieces.append(f"<mark>{html.escape(text[start:end])}</mark>")
            done = end
    pieces.append(html.escape(text[done:]))
    return "".join(pieces)
