"""The WHERE parts of a search on the built-in index: who may see a segment (the caller's
scope as tag words and conditions), the filters asked for, and the tag words that let FTS5
read only the part of the index they select. Strings and their parameters, no I/O.
"""

from __future__ import annotations

import uuid

from archive.domain.access import SearchScope
from archive.search import fts5_tags
from archive.search.base import NO_FILTERS, SearchFilters
from archive.search.fts5_writing import NARRATOR_FIELD, SUBJECT_FIELD
from archive.search.query import ParsedQuery


def scope_filter(scope: SearchScope) -> tuple[str, list[str]]:
    """A WHERE condition on `m` and its parameters; never built from caller-controlled text."""
    if scope.everything:
        return "1", []
    always: list[str] = []
    params: list[str] = []
    if scope.archivist_of:
        always.append(f"m.community_id IN ({_marks(scope.archivist_of)})")
        params.extend(sorted(str(c) for c in scope.archivist_of))
    if scope.owner_id is not None:
        always.append("m.owner_id = ?")
        params.append(str(scope.owner_id))
    opened = ["m.access = 'public'"]
    if scope.member_of:
        opened.append(f"(m.access = 'community' AND m.community_id IN ({_marks(scope.member_of)}))")
        params.extend(sorted(str(c) for c in scope.member_of))
    if scope.protocols:
        # How many of the reader's protocols the document names, against how many it needs.
        held = " + ".join("(instr(' ' || m.protocol_ids || ' ', ?) > 0)" for _ in scope.protocols)
        opened.append(
            "(m.access = 'restricted' AND m.protocols_required > 0 "
            f"AND ({held}) >= m.protocols_required)"
        )
        params.extend(f" {p} " for p in sorted(str(p) for p in scope.protocols))
    if scope.granted_stories:
        opened.append(f"m.story_id IN ({_marks(scope.granted_stories)})")
        params.extend(sorted(str(s) for s in scope.granted_stories))
    always.append("(m.available = 1 AND (" + " OR ".join(opened) + "))")
    return "(" + " OR ".join(always) + ")", params


def _marks(values: frozenset[uuid.UUID]) -> str:
    return ", ".join(["?"] * len(values))


_TERM_CONDITION = (
    "m.recording_id IN "
    "(SELECT recording_id FROM recording_terms WHERE field = '{field}' AND value = ?)"
)


def filters_sql(filters: SearchFilters, parsed: ParsedQuery) -> tuple[str, list[object]]:
    """A WHERE condition on `m` and its parameters: the column and field names are fixed here,
    the caller's values are only ever bound."""
    wanted: dict[str, object] = {
        "m.language = ?": filters.language,
        "m.story_id = ?": _optional_str(filters.story_id),
        "m.recording_id = ?": _optional_str(filters.recording_id),
        "m.collection_id = ?": _optional_str(filters.collection_id),
        "m.decade = ?": filters.decade,
        _TERM_CONDITION.format(field=NARRATOR_FIELD): _optional_str(filters.narrator),
        _TERM_CONDITION.format(field=SUBJECT_FIELD): filters.subject,
    }
    conditions = [condition for condition, value in wanted.items() if value is not None]
    params: list[object] = [value for value in wanted.values() if value is not None]
    # A recording's documents are written together, so they lie in one rowid range; a story's
    # in one per recording. FTS5 reads only the range (the exact condition above still holds).
    for key, value in (("recording_id", filters.recording_id), ("story_id", filters.story_id)):
        if value is not None:
            conditions.append(
                f"segment_text.rowid BETWEEN (SELECT min(rowid) FROM segment_meta "
                f"WHERE {key} = ?) AND (SELECT max(rowid) FROM segment_meta WHERE {key} = ?)"
            )
            params.extend((str(value), str(value)))
    for found in parsed.fields:
        values = list(found.values)
        marks = ", ".join("?" * len(values))
        column = _FIELD_COLUMNS.get(found.field)
        if column is not None:
            conditions.append(f"{column} IN ({marks})")
        elif found.field == "narrator":
            conditions.append(
                "m.recording_id IN (SELECT recording_id FROM recording_terms "
                f"WHERE field = '{NARRATOR_FIELD}' AND value IN ({marks}))"
            )
        else:  # pragma: no cover - the parser knows no other field
            raise ValueError(f"unknown field {found.field}")
        params.extend(values)
    if parsed.years is not None:
        conditions.append("m.year BETWEEN ? AND ?")
        params.extend(parsed.years)
    return (" AND ".join(conditions) or "1"), params


_FIELD_COLUMNS = {
    "language": "m.language",
    "collection": "m.collection_id",
    "speaker": "m.speaker",
}


_MAX_RANGE_TAGS = 40


def narrowing(
    scope: SearchScope, *, filters: SearchFilters, parsed: ParsedQuery
) -> list[str] | None:
    """The FTS5 expressions on `tags` that every document the caller may see and the filters
    pass holds (see `fts5_tags`); None when no document can pass."""
    tag = fts5_tags.tag
    found: list[str] = []
    allowed = fts5_tags.scope_tags(scope)
    if allowed is not None:
        found.append(fts5_tags.any_of(allowed))
    single = {
        "l": filters.language,
        "k": _optional_str(filters.collection_id),
        "d": filters.decade,
        "n": _optional_str(filters.narrator),
    }
    found.extend(
        fts5_tags.any_of([tag(kind, value)]) for kind, value in single.items() if value is not None
    )
    kinds = {"language": "l", "collection": "k", "narrator": "n"}
    for field in parsed.fields:
        if not field.values:
            return None
        if field.field in kinds:
            found.append(fts5_tags.any_of(tag(kinds[field.field], value) for value in field.values))
    if parsed.years is not None:
        low, high = parsed.years
        if low > high:
            return None
        if high // 10 - low // 10 < _MAX_RANGE_TAGS:
            decades = range(low // 10 * 10, high + 1, 10)
            found.append(fts5_tags.any_of(tag("d", decade) for decade in decades))
    return found


def tags_decide(scope: SearchScope, *, filters: SearchFilters, parsed: ParsedQuery) -> bool:
    """Whether the documents that hold the tags of `narrowing` are exactly those the scope and
    filters pass, so that counting the matches needs FTS5 alone: true for every scope but one
    with protocols (its tag says a document needs some, not which) when nothing filters.
    Each tag stands for one value, up to a collision of its hash (`fts5_tags.tag`)."""
    return (
        not scope.protocols and filters == NO_FILTERS and not parsed.fields and parsed.years is None
    )


def _optional_str(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)
