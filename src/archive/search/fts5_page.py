"""The page of a search on the built-in index, once its hits are chosen: their rows with
FTS5's highlights, made into `SearchHit`s, and the facet counts in the order the API gives
them. SQL strings and pure functions over one open connection.
"""

from __future__ import annotations

import html
import sqlite3
import uuid
from collections import Counter
from collections.abc import Collection, Sequence

from archive.search.base import FACET_FIELDS, FACET_SIZE, SearchHit

# Private-use characters that FTS5 `highlight()` puts around matches; they survive
# `html.escape`, which lets the text be escaped whole before the marks become tags.
_OPEN = "\ue000"
_CLOSE = "\ue001"

# The hits of the page, with their highlights, in one statement: one row by rowid each
# (?1 and ?2 the marks, ?3 the MATCH expression, then the rowids), each with its place.
_HIT = """
SELECT {place}, m.story_id, m.recording_id, m.segment_id, m.start_seconds, m.end_seconds,
       segment_text.text, highlight(segment_text, 0, ?1, ?2), m.language, m.track
FROM segment_text CROSS JOIN segment_meta AS m ON m.rowid = segment_text.rowid
WHERE segment_text MATCH ?3 AND segment_text.rowid = ?{param}
"""
_HITS_PER_STATEMENT = 100  # well under SQLite's limit of 500 parts of a compound SELECT

HitRow = tuple[str, str, str, float, float, str, str, str | None, str]
"""story, recording and segment ids, start, end, text, highlighted text, language, track"""


def hit_rows(conn: sqlite3.Connection, match: str, *, rowids: Sequence[int]) -> dict[int, HitRow]:
    """Place on the page -> the hit's row, with its highlight."""
    found: dict[int, HitRow] = {}
    for start in range(0, len(rowids), _HITS_PER_STATEMENT):
        batch = rowids[start : start + _HITS_PER_STATEMENT]
        statement = " UNION ALL ".join(
            _HIT.format(place=start + n, param=n + 4) for n in range(len(batch))
        )
        for place, *row in conn.execute(statement, (_OPEN, _CLOSE, match, *batch)):
            found[place] = tuple(row)
    return found


def hit(row: HitRow, score: float) -> SearchHit:
    story_id, recording_id, segment_id, start, end, text, marked, language, track = row
    return SearchHit(
        story_id=uuid.UUID(story_id),
        recording_id=uuid.UUID(recording_id),
        segment_id=uuid.UUID(segment_id),
        start=start,
        end=end,
        text=text,
        highlight=render_highlight(marked, text),
        score=score,
        language=language,
        track=track,
    )


def render_highlight(marked: str, text: str) -> str:
    """HTML for `text` with matches in `<mark>`: everything else escaped.

    `marked` is `text` with `_OPEN`/`_CLOSE` around each match. A text that already contains
    those characters is returned escaped and unmarked, since its marks cannot be told apart.
    """
    if _OPEN in text or _CLOSE in text:
        return html.escape(text)
    return html.escape(marked).replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")


def facets(
    groups: list[tuple[str, str | None, int]], wanted: Collection[str]
) -> dict[str, dict[str, int]]:
    """The facets asked for from the (field, value, count) rows of the facet statement: at most
    `FACET_SIZE` values each, the most frequent first (ties by value)."""
    counters: dict[str, Counter[str]] = {name: Counter() for name in FACET_FIELDS if name in wanted}
    for field, value, count in groups:
        if field in counters and value is not None:
            counters[field][value] += count
    return {
        name: dict(sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:FACET_SIZE])
        for name, counter in counters.items()
    }
