"""The built-in search backend: SQLite FTS5 in its own file, beside the database.

It is a rebuildable copy of the database (`archive reindex`), kept in a separate file so that
reindexing, vacuuming or deleting it never touches the source of truth, and so that its write
lock never queues behind the API's transactions.

Two tables share one rowid: `segment_text` (FTS5, the searchable text) and `segment_meta`
(ordinary, the identity and access fields, and the fingerprint of the document they came from).
A third, `segment_terms`, holds the many-valued fields (narrators, subjects) as one row per
(segment rowid, field, value). Every search joins them, so the access filter and the caller's
filters are part of the query, and `total` and the facets (GROUP BYs over the same match,
materialised once) count only what the caller may see. Scores are never bm25's, which reads
the whole index: each hit is scored from its own words (`archive.search.scoring`, computed as
`fts5_scoring` says). The schema and its migrations from earlier versions are in `fts5_schema`.

Thread safety: each call opens its own connection and closes it before returning, so the API's
worker threads never share one. Writes take the lock up front (`BEGIN IMMEDIATE`) and wait for
it up to `BUSY_TIMEOUT_SECONDS`; readers do not block writers under WAL.

Rebuilding (`rebuild`) fills a new file beside the index, then copies it into the live file with
SQLite's online backup, in one write transaction. It does not `os.replace` the new file into
place: under WAL the live file's `-wal` and `-shm` files stay behind at their paths, and a
connection opening the swapped-in file would read (and checkpoint) the old file's frames into
it. The backup keeps WAL's guarantees: a search that is running goes on with the old snapshot,
the next one sees the whole new index, and a writer waits for the switch like for any write.
"""

from __future__ import annotations

import html
import itertools
import sqlite3
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from archive.domain.access import SearchScope
from archive.errors import ServiceUnavailable
from archive.search.analysis import fts5_match, stems_text
from archive.search.base import (
    FACET_FIELDS,
    FACET_SIZE,
    NO_FILTERS,
    SearchFilters,
    SearchHit,
    SearchResult,
)
from archive.search.documents import SegmentDocument, documents_of
from archive.search.fts5_schema import MIGRATIONS, SCHEMA, SCHEMA_VERSION
from archive.search.fts5_scoring import (
    fill_tokens,
    needles,
    score_params,
    score_sql,
    tokenizer,
    tokens_field,
    with_words,
)
from archive.search.query import parse_query

BUSY_TIMEOUT_SECONDS = 10.0
_DELETE_BATCH = 500  # well under SQLite's limit of bound parameters per statement

# Private-use characters that FTS5 `highlight()` puts around matches; they survive
# `html.escape`, which lets the text be escaped whole before the marks become tags.
_OPEN = "\ue000"
_CLOSE = "\ue001"

_FROM_MATCHING = """
FROM segment_text JOIN segment_meta AS m ON m.rowid = segment_text.rowid
WHERE segment_text MATCH ? AND {scope} AND {filters}
"""

# The match is run once (MATERIALIZED), then counted: the total (field ''), each single-valued
# facet from its column, and the many-valued ones from `segment_terms`. Every row is
# (field, value, count); all of it over exactly the rows the page is taken from.
_COUNTS = (
    """
WITH matched AS MATERIALIZED (
    SELECT m.rowid AS segment_rowid, m.language, m.collection_id, m.decade
"""
    + _FROM_MATCHING
    + """
)
SELECT '', NULL, count(*) FROM matched
UNION ALL
SELECT 'language', language, count(*) FROM matched WHERE language IS NOT NULL GROUP BY 2
UNION ALL
SELECT 'collection_id', collection_id, count(*) FROM matched
WHERE collection_id IS NOT NULL GROUP BY 2
UNION ALL
SELECT 'decade', CAST(decade AS TEXT), count(*) FROM matched WHERE decade IS NOT NULL GROUP BY 2
UNION ALL
SELECT t.field, t.value, count(*) FROM matched CROSS JOIN segment_terms AS t USING (segment_rowid)
GROUP BY 1, 2
"""
)

# The score is the document's own (`fts5_scoring`), never bm25: bm25 reads the whole index.
_PAGE = (
    """
SELECT m.story_id, m.recording_id, m.segment_id, m.start_seconds, m.end_seconds,
       segment_text.text, highlight(segment_text, 0, ?, ?), {score} AS score,
       m.language, m.track
"""
    + _FROM_MATCHING
    + """
ORDER BY score DESC, m.story_id, m.start_seconds, m.segment_id
LIMIT ? OFFSET ?
"""
)

_INSERT_META = """
INSERT INTO segment_meta (segment_id, recording_id, story_id, transcript_id, start_seconds,
                          end_seconds, language, story_title, access, owner_id, collection_id,
                          fingerprint, community_id, protocol_ids, protocols_required, available,
                          decade, tokens, token_count, track)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""

_INSERT_TERM = "INSERT INTO segment_terms (segment_rowid, field, value) VALUES (?, ?, ?)"

NARRATOR_FIELD = "narrator"
SUBJECT_FIELD = "subject"
"""The `segment_terms.field` of each many-valued field: the names of their facets."""


class Fts5Index:
    """A `SearchIndex` in one SQLite file, created with its schema on first use."""

    def __init__(self, path: Path | str) -> None:
        self._path = Path(path)
        self._closed = False
        self._path.parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as conn:
            # WAL is a property of the file: set once, every later connection uses it.
            conn.execute("PRAGMA journal_mode = WAL")
            # The version is read under the write lock, so two processes starting together
            # never both migrate.
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = int(conn.execute("PRAGMA user_version").fetchone()[0])
                if version not in (0, *MIGRATIONS, SCHEMA_VERSION):
                    raise RuntimeError(
                        f"The search index {self._path} has schema version {version}, and this "
                        f"archive uses {SCHEMA_VERSION}. Delete the file and run "
                        "`archive reindex`."
                    )
                statements = MIGRATIONS.get(version, "") + SCHEMA
                for statement in _statements(statements):
                    conn.execute(statement)
                if version in MIGRATIONS:
                    fill_tokens(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def replace_recording(
        self, recording_id: uuid.UUID, documents: Iterable[SegmentDocument]
    ) -> None:
        """Atomic and idempotent. Raises `ValueError` for a document of another recording."""
        # Materialised before the write lock is taken, so a slow producer never holds it.
        docs = documents_of(recording_id, documents)
        prepared = with_words(docs)  # tokenized before the lock too
        with self._write() as conn:
            _delete_recording(conn, recording_id)
            _insert_documents(conn, prepared)

    def remove_recording(self, recording_id: uuid.UUID) -> None:
        """Idempotent: removing an unknown recording does nothing."""
        with self._write() as conn:
            _delete_recording(conn, recording_id)

    def remove_documents(self, segment_ids: Iterable[uuid.UUID]) -> None:
        """Idempotent; all in one transaction."""
        keys = sorted({str(segment_id) for segment_id in segment_ids})
        if not keys:
            return
        with self._write() as conn:
            for start in range(0, len(keys), _DELETE_BATCH):
                batch = keys[start : start + _DELETE_BATCH]
                marks = ", ".join("?" * len(batch))
                rowids = f"(SELECT rowid FROM segment_meta WHERE segment_id IN ({marks}))"
                conn.execute(f"DELETE FROM segment_text WHERE rowid IN {rowids}", batch)
                conn.execute(f"DELETE FROM segment_terms WHERE segment_rowid IN {rowids}", batch)
                conn.execute(f"DELETE FROM segment_meta WHERE segment_id IN ({marks})", batch)

    def search(
        self,
        query: str,
        scope: SearchScope,
        *,
        filters: SearchFilters = NO_FILTERS,
        offset: int,
        limit: int,
    ) -> SearchResult:
        """Hits best first (ties by story, then start time); `total` and `facets` count every
        hit the caller may see, on every page.

        Raises `BadRequest` for a query with nothing to search for, and `ServiceUnavailable`
        when the index file cannot be read.
        """
        if offset < 0 or limit < 0:
            raise ValueError(f"offset ({offset}) and limit ({limit}) must not be negative")
        parsed = parse_query(query)
        with tokenizer() as words:
            found = needles(parsed, words)
        scope_sql, scope_params = _scope_filter(scope)
        filters_sql, filters_params = _filters(filters)
        sql = {"scope": scope_sql, "filters": filters_sql}
        params = (fts5_match(parsed), *scope_params, *filters_params)
        with self._connection() as conn, _unavailable_on_error():
            # One read transaction: the counts and the page come from the same snapshot.
            conn.execute("BEGIN")
            try:
                groups = conn.execute(_COUNTS.format(**sql), params).fetchall()
                total = next(count for field, _, count in groups if field == "")
                rows = []
                if limit and offset < total:
                    rows = conn.execute(
                        _PAGE.format(score=score_sql(len(found)), **sql),
                        (_OPEN, _CLOSE, *score_params(found), *params, limit, offset),
                    ).fetchall()
            finally:
                conn.execute("COMMIT")
        return SearchResult(total=total, hits=[_hit(row) for row in rows], facets=_facets(groups))

    def document_fingerprints(self) -> dict[uuid.UUID, str]:
        """Documents written by schema version 1 have the empty fingerprint: they read as stale."""
        with self._connection() as conn, _unavailable_on_error():
            rows = conn.execute("SELECT segment_id, fingerprint FROM segment_meta").fetchall()
        return {uuid.UUID(segment_id): fingerprint for segment_id, fingerprint in rows}

    def rebuild(self, documents: Iterable[SegmentDocument]) -> None:
        """Fills a new file beside the index, then switches to it atomically (see the module's
        docstring). Raises `sqlite3.IntegrityError` when two documents share a segment id.

        Documents are consumed as they come, so a caller can stream them out of the database.
        """
        with self._connection() as live:
            page_size = int(live.execute("PRAGMA page_size").fetchone()[0])
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - only its unique name is used
            prefix=f"{self._path.name}.rebuild-", dir=self._path.parent, delete=False
        )
        handle.close()
        fresh = Path(handle.name)
        try:
            build = sqlite3.connect(fresh, isolation_level=None)
            try:
                # A throwaway file: no journal, no fsync. The online backup into a WAL file
                # needs both files to have the same page size.
                build.execute(f"PRAGMA page_size = {page_size}")
                build.execute("PRAGMA journal_mode = OFF")
                build.execute("PRAGMA synchronous = OFF")
                build.execute("BEGIN")
                for statement in _statements(SCHEMA):
                    build.execute(statement)
                with tokenizer() as words:
                    for batch in _batched(documents, 1000):
                        _insert_documents(build, with_words(batch, words))
                build.execute("INSERT INTO segment_text (segment_text) VALUES ('optimize')")
                build.execute("COMMIT")
                with self._connection() as live, _unavailable_on_error():
                    build.backup(live)
            finally:
                build.close()
        finally:
            for suffix in ("", "-journal", "-wal", "-shm"):
                Path(f"{fresh}{suffix}").unlink(missing_ok=True)

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


def _statements(script: str) -> list[str]:
    """A script as single statements (no string in the schema holds a ';'), for running
    inside a transaction of ours: `executescript` would commit it first."""
    return [statement.strip() for statement in script.split(";") if statement.strip()]


def _batched(
    documents: Iterable[SegmentDocument], size: int
) -> Iterator[tuple[SegmentDocument, ...]]:
    iterator = iter(documents)
    while batch := tuple(itertools.islice(iterator, size)):
        yield batch


def _insert_documents(
    conn: sqlite3.Connection, docs: Iterable[tuple[SegmentDocument, list[str]]]
) -> None:
    for doc, words in docs:
        cursor = conn.execute(
            _INSERT_META, (*_meta_row(doc), tokens_field(words), len(words), doc.track)
        )
        rowid = cursor.lastrowid
        conn.execute(
            "INSERT INTO segment_text (rowid, text, stems) VALUES (?, ?, ?)",
            (rowid, doc.text, stems_text(doc.text, doc.language)),
        )
        terms = {(NARRATOR_FIELD, str(p)) for p in doc.narrators}
        terms.update((SUBJECT_FIELD, subject) for subject in doc.subjects)
        conn.executemany(_INSERT_TERM, [(rowid, field, value) for field, value in sorted(terms)])


def _delete_recording(conn: sqlite3.Connection, recording_id: uuid.UUID) -> None:
    key = str(recording_id)
    rowids = "(SELECT rowid FROM segment_meta WHERE recording_id = ?)"
    conn.execute(f"DELETE FROM segment_text WHERE rowid IN {rowids}", (key,))
    conn.execute(f"DELETE FROM segment_terms WHERE segment_rowid IN {rowids}", (key,))
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
        None if doc.collection_id is None else str(doc.collection_id),
        doc.fingerprint(),
        None if doc.community_id is None else str(doc.community_id),
        " ".join(str(p) for p in doc.protocol_ids),
        doc.protocols_required,
        1 if doc.available else 0,
        doc.decade,
    )


def _scope_filter(scope: SearchScope) -> tuple[str, list[str]]:
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
    "m.rowid IN (SELECT segment_rowid FROM segment_terms WHERE field = '{field}' AND value = ?)"
)


def _filters(filters: SearchFilters) -> tuple[str, list[object]]:
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
    params = [value for value in wanted.values() if value is not None]
    return (" AND ".join(conditions) or "1"), params


def _optional_str(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def _facets(groups: list[tuple[str, str | None, int]]) -> dict[str, dict[str, int]]:
    counters: dict[str, Counter[str]] = {name: Counter() for name in FACET_FIELDS}
    for field, value, count in groups:
        if field in counters and value is not None:
            counters[field][value] += count
    return {
        name: dict(sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:FACET_SIZE])
        for name, counter in counters.items()
    }


def _hit(
    row: tuple[str, str, str, float, float, str, str, float, str | None, str],
) -> SearchHit:
    story_id, recording_id, segment_id, start, end, text, marked, score, language, track = row
    return SearchHit(
        story_id=uuid.UUID(story_id),
        recording_id=uuid.UUID(recording_id),
        segment_id=uuid.UUID(segment_id),
        start=start,
        end=end,
        text=text,
        highlight=render_highlight(marked, text),
        score=float(score),
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
