"""The built-in search backend: SQLite FTS5 in its own file, beside the database.

It is a rebuildable copy of the database (`archive reindex`), kept in a separate file so that
reindexing, vacuuming or deleting it never touches the source of truth, and so that its write
lock never queues behind the API's transactions.

Two tables share one rowid: `segment_text` (FTS5, the searchable text) and `segment_meta`
(ordinary, the identity and access fields). Every search joins them, so the access filter is part
of the query and `total` counts only what the caller may see.

Thread safety: each call opens its own connection and closes it before returning, so the API's
worker threads never share one. Writes take the lock up front (`BEGIN IMMEDIATE`) and wait for
it up to `BUSY_TIMEOUT_SECONDS`; readers do not block writers under WAL.
"""

from __future__ import annotations

import html
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from archive.domain.access import SearchScope
from archive.errors import ServiceUnavailable
from archive.search.base import SearchHit, SearchResult
from archive.search.documents import SegmentDocument
from archive.search.query import parse_query

SCHEMA_VERSION = 1
BUSY_TIMEOUT_SECONDS = 10.0

# Tokenizer: `unicode61 remove_diacritics 2` folds case and accents in every script, so "Jose"
# finds "José" and decomposed accents match composed ones. Porter stemming is left out on
# purpose: it applies English suffix rules to every language in the archive (Spanish "mes"
# would match "me"), and it breaks prefix search, because a prefix is compared with stems:
# "flooded" is stored as "flood", so `flooded*` would no longer find it. People get English
# inflections with `flood*`; language-aware stemming is the Elasticsearch backend's job.
# `prefix='2 3'` keeps short prefix queries from scanning the whole term list.
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS segment_meta (
    rowid INTEGER PRIMARY KEY,
    segment_id TEXT NOT NULL UNIQUE,
    recording_id TEXT NOT NULL,
    story_id TEXT NOT NULL,
    transcript_id TEXT NOT NULL,
    start_seconds REAL NOT NULL,
    end_seconds REAL NOT NULL,
    language TEXT,
    story_title TEXT NOT NULL,
    access TEXT NOT NULL,
    owner_id TEXT
);
CREATE INDEX IF NOT EXISTS segment_meta_recording_id ON segment_meta (recording_id);
CREATE VIRTUAL TABLE IF NOT EXISTS segment_text USING fts5(
    text, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
);
PRAGMA user_version = {SCHEMA_VERSION};
"""

# Private-use characters that FTS5 `highlight()` puts around matches; they survive
# `html.escape`, which lets the text be escaped whole before the marks become tags.
_OPEN = "\ue000"
_CLOSE = "\ue001"

_FROM_MATCHING = """
FROM segment_text JOIN segment_meta AS m ON m.rowid = segment_text.rowid
WHERE segment_text MATCH ? AND {scope}
"""

_PAGE = (
    """
SELECT m.story_id, m.recording_id, m.segment_id, m.start_seconds, m.end_seconds,
       segment_text.text, highlight(segment_text, 0, ?, ?), bm25(segment_text) AS rank
"""
    + _FROM_MATCHING
    + """
ORDER BY rank, m.story_id, m.start_seconds, m.segment_id
LIMIT ? OFFSET ?
"""
)

_INSERT_META = """
INSERT INTO segment_meta (segment_id, recording_id, story_id, transcript_id, start_seconds,
                          end_seconds, language, story_title, access, owner_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""


class Fts5Index:
    """A `SearchIndex` in one SQLite file, created with its schema on first use."""

    def __init__(self, path: Path | str) -> None:
        self._path = Path(path)
        self._closed = False
        self._path.parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as conn:
            # WAL is a property of the file: set once, every later connection uses it.
            conn.execute("PRAGMA journal_mode = WAL")
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version not in (0, SCHEMA_VERSION):
                raise RuntimeError(
                    f"The search index {self._path} has schema version {version}, and this "
                    f"archive uses {SCHEMA_VERSION}. Delete the file and run `archive reindex`."
                )
            conn.executescript(f"BEGIN IMMEDIATE;{_SCHEMA}COMMIT;")

    def replace_recording(
        self, recording_id: uuid.UUID, documents: Iterable[SegmentDocument]
    ) -> None:
        """Atomic and idempotent. Raises `ValueError` for a document of another recording."""
        # Materialised before the write lock is taken, so a slow producer never holds it.
        docs = list(documents)
        for doc in docs:
            if doc.recording_id != recording_id:
                raise ValueError(
                    f"segment {doc.segment_id} belongs to recording {doc.recording_id}, "
                    f"not {recording_id}"
                )
        with self._write() as conn:
            _delete_recording(conn, recording_id)
            for doc in docs:
                cursor = conn.execute(_INSERT_META, _meta_row(doc))
                conn.execute(
                    "INSERT INTO segment_text (rowid, text) VALUES (?, ?)",
                    (cursor.lastrowid, doc.text),
                )

    def remove_recording(self, recording_id: uuid.UUID) -> None:
        """Idempotent: removing an unknown recording does nothing."""
        with self._write() as conn:
            _delete_recording(conn, recording_id)

    def search(self, query: str, scope: SearchScope, *, offset: int, limit: int) -> SearchResult:
        """Hits best first (ties by story, then start time); `total` counts every visible hit.

        Raises `BadRequest` for a query with nothing to search for, and `ServiceUnavailable`
        when the index file cannot be read.
        """
        if offset < 0 or limit < 0:
            raise ValueError(f"offset ({offset}) and limit ({limit}) must not be negative")
        match = parse_query(query).match
        scope_sql, scope_params = _scope_filter(scope)
        from_matching = _FROM_MATCHING.format(scope=scope_sql)
        with self._connection() as conn, _unavailable_on_error():
            # One read transaction: the count and the page come from the same snapshot.
            conn.execute("BEGIN")
            try:
                total = int(
                    conn.execute(
                        "SELECT count(*) " + from_matching, (match, *scope_params)
                    ).fetchone()[0]
                )
                rows = []
                if limit and offset < total:
                    rows = conn.execute(
                        _PAGE.format(scope=scope_sql),
                        (_OPEN, _CLOSE, match, *scope_params, limit, offset),
                    ).fetchall()
            finally:
                conn.execute("COMMIT")
        return SearchResult(total=total, hits=[_hit(row) for row in rows])

    def ping(self) -> bool:
        if self._closed:
            return False
        try:
            with self._connection() as conn:
                conn.execute("SELECT 1 FROM segment_meta LIMIT 1").fetchall()
        except sqlite3.Error:
            return False
        return True

    def close(self) -> None:
        """Every connection is already closed after each call; this only refuses later calls."""
        self._closed = True

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        if self._closed:
            raise RuntimeError(f"the search index {self._path} is closed")
        # `timeout` is SQLite's busy_timeout; `isolation_level=None` leaves BEGIN to us.
        conn = sqlite3.connect(self._path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        try:
            # Safe under WAL (no corruption on power loss, at worst the last commits are lost),
            # and the index can always be rebuilt from the database.
            conn.execute("PRAGMA synchronous = NORMAL")
            yield conn
        finally:
            conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._connection() as conn, _unavailable_on_error():
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")


@contextmanager
def _unavailable_on_error() -> Iterator[None]:
    try:
        yield
    except sqlite3.OperationalError as exc:
        raise ServiceUnavailable(
            "The search index is busy or cannot be read right now. Try again in a minute; "
            "if it keeps happening, an administrator can rebuild it with `archive reindex`."
        ) from exc


def _delete_recording(conn: sqlite3.Connection, recording_id: uuid.UUID) -> None:
    key = str(recording_id)
    conn.execute(
        "DELETE FROM segment_text WHERE rowid IN "
        "(SELECT rowid FROM segment_meta WHERE recording_id = ?)",
        (key,),
    )
    conn.execute("DELETE FROM segment_meta WHERE recording_id = ?", (key,))


def _meta_row(doc: SegmentDocument) -> tuple[object, ...]:
    return (
        str(doc.segment_id),
        str(doc.recording_id),
        str(doc.story_id),
        str(doc.transcript_id),
        doc.start,
        doc.end,
        doc.language,
        doc.story_title,
        str(doc.access),
        None if doc.owner_id is None else str(doc.owner_id),
    )


def _scope_filter(scope: SearchScope) -> tuple[str, list[str]]:
    """A WHERE condition on `m` and its parameters; never built from caller-controlled text."""
    if scope.everything:
        return "1", []
    conditions: list[str] = []
    params: list[str] = []
    levels = sorted(level.value for level in scope.access_levels)
    if levels:
        conditions.append(f"m.access IN ({', '.join(['?'] * len(levels))})")
        params.extend(levels)
    if scope.owner_id is not None:
        conditions.append("m.owner_id = ?")
        params.append(str(scope.owner_id))
    if not conditions:
        return "0", []
    return "(" + " OR ".join(conditions) + ")", params


def _hit(row: tuple[str, str, str, float, float, str, str, float]) -> SearchHit:
    story_id, recording_id, segment_id, start, end, text, marked, rank = row
    return SearchHit(
        story_id=uuid.UUID(story_id),
        recording_id=uuid.UUID(recording_id),
        segment_id=uuid.UUID(segment_id),
        start=start,
        end=end,
        text=text,
        highlight=render_highlight(marked, text),
        # bm25() is negative, lower is better; the API's score is positive, higher is better.
        score=-rank,
    )


def render_highlight(marked: str, text: str) -> str:
    """HTML for `text` with matches in `<mark>`: everything else escaped.

    `marked` is `text` with `_OPEN`/`_CLOSE` around each match. A text that already contains
    those characters is returned escaped and unmarked, since its marks cannot be told apart.
    """
    if _OPEN in text or _CLOSE in text:
        return html.escape(text)
    return html.escape(marked).replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")
