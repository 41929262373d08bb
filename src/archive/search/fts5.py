"""The built-in search backend: SQLite FTS5 in its own file, beside the database.

It is a rebuildable copy of the database (`archive reindex`), kept in a separate file so that
reindexing, vacuuming or deleting it never touches the source of truth, and so that its write
lock never queues behind the API's transactions.

Two tables share one rowid: `segment_text` (FTS5: the searchable text, `stems`, the English
stems of an English segment's words (`analysis`), and `tags`, made-up words for who may see
the document and for the values filters match: `fts5_tags`) and
`segment_meta` (ordinary, the identity and access fields, and the fingerprint of the document
they came from). A third, `recording_terms`, holds the many-valued fields (narrators, subjects)
as one row per (recording, field, value): they are the story's, so every segment of a recording
has the same, and a row per segment would make them a fifth of the file.

A search does bounded work however much matches. Its MATCH expression holds the caller's scope
and the filters as tags, so FTS5 reads only the caller's part of the index, in rowid order,
and every statement stops early: the page is scored from the first `RANK_WINDOW` matches
(`fts5_scoring`: each from its own words, never bm25, which reads the whole index), the total
is counted up to `TOTAL_LIMIT` + 1, and the facets asked for are counted over the first
`TOTAL_LIMIT` matches. The exact scope and filter conditions on `segment_meta` are part of
every statement too, so counts, facets and highlights never include what the caller may not
see. Nothing but the bounded window reaches Python.

Thread safety: a connection is used by one call at a time, so the API's worker threads never
share one. Searches take a connection from a small pool of idle ones (opening one and reading
the schema costs more than a typical search's statements) and put it back; writes open their
own. Writes take the lock up front (`BEGIN IMMEDIATE`) and wait for it up to
`BUSY_TIMEOUT_SECONDS`; readers do not block writers under WAL.

Rebuilding (`rebuild`) fills a new file beside the index, then copies it into the live file with
SQLite's online backup, in one write transaction. It does not `os.replace` the new file into
place: under WAL the live file's `-wal` and `-shm` files stay behind at their paths, and a
connection opening the swapped-in file would read (and checkpoint) the old file's frames into
it. The backup keeps WAL's guarantees: a search that is running goes on with the old snapshot,
the next one sees the whole new index, and a writer waits for the switch like for any write.
"""

from __future__ import annotations

import logging
import sqlite3
import tempfile
import threading
import time
import uuid
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from archive.domain.access import SearchScope
from archive.errors import BadRequest, ServiceUnavailable
from archive.search import fts5_build, fts5_filters, fts5_page, fts5_schema
from archive.search.analysis import fts5_match
from archive.search.base import (
    FACET_FIELDS,
    NO_FILTERS,
    RANK_WINDOW,
    TOTAL_LIMIT,
    SearchFilters,
    SearchResult,
)
from archive.search.documents import SegmentDocument, documents_of
from archive.search.fts5_schema import MIGRATIONS, RETAGGED, SCHEMA, SCHEMA_VERSION
from archive.search.fts5_scoring import needles, score_window, tokenizer
from archive.search.fts5_writing import (
    DELETE_BATCH,
    delete_recording,
    forget_emptied_recordings,
    insert_documents,
    move_terms,
    next_rowid,
    retag,
)
from archive.search.query import ParsedQuery, parse_query

log = logging.getLogger(__name__)

BUSY_TIMEOUT_SECONDS = 10.0
_IDLE_READERS = 64  # connections kept open between searches: one per search at once
_READER_CACHE_KIB = 16 * 1024  # each reader's page cache
# Readers map the file into memory (shared with the operating system's cache, so it costs
# no memory of the process's own): a search reads its pages without a system call each,
# a quarter faster at a million segments.
_READER_MMAP_BYTES = 2**31 - 2**16  # SQLite's largest by default

# FTS5 drives (CROSS JOIN keeps it the outer loop): it reads the matches in rowid order and
# the LIMIT stops it early; `segment_meta` is looked up by rowid for each match.
_FROM_MATCHING = """
FROM segment_text CROSS JOIN segment_meta AS m ON m.rowid = segment_text.rowid
WHERE segment_text MATCH ? AND {scope} AND {filters}
"""

# The window of candidates the page is scored from: the first matches, with what scoring and
# ordering need.
_CANDIDATES = (
    "SELECT m.rowid, segment_text.text, m.story_id, m.start_seconds, m.segment_id"
    + _FROM_MATCHING
    + "LIMIT ?"
)

# The matches past a full window (after its last rowid: FTS5 starts reading there), counted
# up to one past `TOTAL_LIMIT` in all; by FTS5 alone where the tags in the MATCH expression
# decide exactly what the caller may see (`fts5_filters.tags_decide`).
_COUNT_AFTER = (
    "SELECT count(*) FROM (SELECT 1" + _FROM_MATCHING + "AND segment_text.rowid > ? LIMIT ?)"
)
_COUNT_AFTER_BY_TAGS = """
SELECT count(*) FROM (SELECT 1 FROM segment_text WHERE segment_text MATCH ? AND rowid > ? LIMIT ?)
"""

# Facets over the first `TOTAL_LIMIT` matches, run once (MATERIALIZED): the total (field ''),
# each single-valued facet from its column, and the many-valued ones from `recording_terms`,
# once per recording, weighted by its matches.
_MATCHED = (
    """
WITH matched AS MATERIALIZED (
    SELECT m.rowid AS segment_rowid, m.recording_id, m.language, m.collection_id, m.decade
"""
    + _FROM_MATCHING
    + """LIMIT ?
), sample AS (SELECT * FROM matched LIMIT ?),
per_recording AS MATERIALIZED (
    SELECT recording_id, count(*) AS matches FROM sample GROUP BY recording_id
)
SELECT '', NULL, count(*) FROM matched
"""
)
_FACET_COUNTS = {
    "language": """
SELECT 'language', language, count(*) FROM sample WHERE language IS NOT NULL GROUP BY 2""",
    "collection_id": """
SELECT 'collection_id', collection_id, count(*) FROM sample
WHERE collection_id IS NOT NULL GROUP BY 2""",
    "decade": """
SELECT 'decade', CAST(decade AS TEXT), count(*) FROM sample WHERE decade IS NOT NULL GROUP BY 2""",
    "narrator": """
SELECT t.field, t.value, sum(matches) FROM per_recording
CROSS JOIN recording_terms AS t USING (recording_id)
WHERE t.field = 'narrator' GROUP BY 1, 2""",
    "subject": """
SELECT t.field, t.value, sum(matches) FROM per_recording
CROSS JOIN recording_terms AS t USING (recording_id)
WHERE t.field = 'subject' GROUP BY 1, 2""",
}


class Fts5Index:
    """A `SearchIndex` in one SQLite file, created with its schema on first use."""

    def __init__(self, path: Path | str, *, prepare: bool = True) -> None:
        """`prepare=False` opens a file another `Fts5Index` already prepared (made, migrated):
        no write lock is taken."""
        self._path = Path(path)
        self._closed = False
        self._idle: list[sqlite3.Connection] = []
        self._idle_lock = threading.Lock()
        if prepare:
            self._prepare()

    def _prepare(self) -> None:
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
                for statement in fts5_schema.statements(statements):
                    conn.execute(statement)
                if version in MIGRATIONS:
                    move_terms(conn)
                if version in RETAGGED:
                    retag(conn)
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
        with self._write() as conn:
            delete_recording(conn, recording_id)
            insert_documents(conn, docs, first_rowid=next_rowid(conn))

    def remove_recording(self, recording_id: uuid.UUID) -> None:
        """Idempotent: removing an unknown recording does nothing."""
        with self._write() as conn:
            delete_recording(conn, recording_id)

    def remove_documents(self, segment_ids: Iterable[uuid.UUID]) -> None:
        """Idempotent; all in one transaction."""
        keys = sorted({str(segment_id) for segment_id in segment_ids})
        if not keys:
            return
        with self._write() as conn:
            for start in range(0, len(keys), DELETE_BATCH):
                batch = keys[start : start + DELETE_BATCH]
                marks = ", ".join("?" * len(batch))
                rowids = f"(SELECT rowid FROM segment_meta WHERE segment_id IN ({marks}))"
                recordings = conn.execute(
                    f"SELECT DISTINCT recording_id FROM segment_meta WHERE segment_id IN ({marks})",
                    batch,
                ).fetchall()
                conn.execute(f"DELETE FROM segment_text WHERE rowid IN {rowids}", batch)
                conn.execute(f"DELETE FROM segment_meta WHERE segment_id IN ({marks})", batch)
                forget_emptied_recordings(conn, [key for (key,) in recordings])

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
        """Hits best first (ties by story, then start time), scored from the first
        `RANK_WINDOW` matches (a multiple of it for deep pages); `total` exact up to
        `TOTAL_LIMIT`; the facets asked for over at most that many matches.

        Raises `BadRequest` for a query with nothing to search for or a page past
        `TOTAL_LIMIT`, and `ServiceUnavailable` when the index file cannot be read.
        """
        if offset < 0 or limit < 0:
            raise ValueError(f"offset ({offset}) and limit ({limit}) must not be negative")
        if offset + limit > TOTAL_LIMIT:
            raise BadRequest(
                f"Only the first {TOTAL_LIMIT:,} results can be paged through. Add words or "
                "filters (language:, year:, narrator:, collection:) to narrow the search."
            )
        unknown = set(facets) - set(FACET_FIELDS)
        if unknown:
            raise ValueError(f"unknown facets {sorted(unknown)}; known: {FACET_FIELDS}")
        parsed = query if isinstance(query, ParsedQuery) else parse_query(query)
        narrowing = fts5_filters.narrowing(scope, filters=filters, parsed=parsed)
        if narrowing is None:  # a filter no document can pass (a name nobody has)
            return SearchResult(total=0, hits=[], facets={name: {} for name in facets})
        wanted = fts5_match(parsed)
        match = " AND ".join([*narrowing, f"({wanted})"])
        scope_sql, scope_params = fts5_filters.scope_filter(scope)
        filters_sql, filters_params = fts5_filters.filters_sql(filters, parsed)
        sql = {"scope": scope_sql, "filters": filters_sql}
        params = (match, *scope_params, *filters_params)
        window = RANK_WINDOW * max(1, -(-(offset + limit) // RANK_WINDOW))
        with self._reading() as conn:
            # One read transaction: the counts and the page come from the same snapshot.
            conn.execute("BEGIN")
            try:
                candidates = conn.execute(_CANDIDATES.format(**sql), (*params, window)).fetchall()
                groups: list[tuple[str, str | None, int]] = []
                if facets:
                    statement = _MATCHED + "".join(
                        "\nUNION ALL" + _FACET_COUNTS[name] for name in facets
                    )
                    groups = conn.execute(
                        statement.format(**sql), (*params, TOTAL_LIMIT + 1, TOTAL_LIMIT)
                    ).fetchall()
                    total = next(count for field, _, count in groups if field == "")
                elif len(candidates) < window:
                    total = len(candidates)
                else:
                    last = max(rowid for rowid, *_ in candidates)
                    rest = TOTAL_LIMIT + 1 - len(candidates)
                    if fts5_filters.tags_decide(scope, filters=filters, parsed=parsed):
                        counted = conn.execute(_COUNT_AFTER_BY_TAGS, (match, last, rest))
                    else:
                        counted = conn.execute(_COUNT_AFTER.format(**sql), (*params, last, rest))
                    total = len(candidates) + counted.fetchone()[0]
                with tokenizer() as words:
                    ranked = score_window(candidates, needles(parsed, words), words=words)
                page = ranked[offset : offset + limit]
                found = fts5_page.hit_rows(conn, f"({wanted})", rowids=[rowid for rowid, _ in page])
                rows = [(found.get(place), score) for place, (_, score) in enumerate(page)]
            finally:
                conn.execute("COMMIT")
        relation = "gte" if total > TOTAL_LIMIT else "eq"
        return SearchResult(
            total=min(total, TOTAL_LIMIT),
            hits=[fts5_page.hit(row, score) for row, score in rows if row is not None],
            facets=fts5_page.facets(groups, facets),
            total_relation=relation,
            ranking="exact" if relation == "eq" and total <= len(candidates) else "approximate",
            facets_complete=relation == "eq",
        )

    def document_fingerprints(self) -> dict[uuid.UUID, str]:
        """Documents written by schema version 1 have the empty fingerprint: they read as stale."""
        with self._reading() as conn:
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
            started = time.perf_counter()
            fts5_build.fill(fresh, documents, page_size=page_size)
            filled = time.perf_counter()
            build = sqlite3.connect(fresh, isolation_level=None)
            try:
                with self._connection() as live, _unavailable_on_error():
                    build.backup(live)
            finally:
                build.close()
            log.info(
                "search.rebuild_switched filled_seconds=%.1f switched_seconds=%.1f",
                filled - started,
                time.perf_counter() - filled,
            )
        finally:
            for suffix in ("", "-journal", "-wal", "-shm"):
                Path(f"{fresh}{suffix}").unlink(missing_ok=True)

    def ping(self) -> bool:
        if self._closed:
            return False
        try:
            with self._reading() as conn:
                conn.execute("SELECT 1 FROM segment_meta LIMIT 1").fetchall()
        except (sqlite3.Error, ServiceUnavailable):
            return False
        return True

    def close(self) -> None:
        """Closes the idle connections and refuses later calls."""
        self._closed = True
        with self._idle_lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """An idle connection, or a new one; put back for the next search unless the call
        failed (its state is then unknown) or enough are idle."""
        with self._idle_lock:
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            if self._closed:
                raise RuntimeError(f"the search index {self._path} is closed")
            conn = self._open()
            conn.execute(f"PRAGMA cache_size = -{_READER_CACHE_KIB}")
            conn.execute(f"PRAGMA mmap_size = {_READER_MMAP_BYTES}")
        try:
            with _unavailable_on_error():
                yield conn
        except BaseException:
            conn.close()
            raise
        with self._idle_lock:
            if not self._closed and len(self._idle) < _IDLE_READERS:
                self._idle.append(conn)
                return
        conn.close()

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        if self._closed:
            raise RuntimeError(f"the search index {self._path} is closed")
        conn = self._open()
        try:
            yield conn
        finally:
            conn.close()

    def _open(self) -> sqlite3.Connection:
        # `timeout` is SQLite's busy_timeout; `isolation_level=None` leaves BEGIN to us; a
        # pooled reader moves between the API's threads, one call at a time.
        conn = sqlite3.connect(
            self._path,
            timeout=BUSY_TIMEOUT_SECONDS,
            isolation_level=None,
            check_same_thread=False,
        )
        # Safe under WAL (no corruption on power loss, at worst the last commits are lost),
        # and the index can always be rebuilt from the database.
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

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
