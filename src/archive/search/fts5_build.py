"""Filling the new file of a rebuild (`Fts5Index.rebuild`), at full speed.

The file is a throwaway until the switch: no journal, no fsync, one transaction, the secondary
indexes made once the tables are full, and FTS5's segments left unmerged until one 'optimize'
at the end. Batches of documents are read and turned into rows (`fts5_writing.document_rows`)
in the calling process while a child process writes the batch before: FTS5's own work is half a
rebuild, and a thread would not share it (the sqlite3 module takes the GIL back after every
row, so a busy second thread stalls each insert). Batches go through a pipe, which holds the
caller at most a batch or two ahead. A rebuild of one batch or less is written in the calling
process: starting a process would cost more than it saves.
"""

from __future__ import annotations

import itertools
import multiprocessing
import signal
import sqlite3
from collections.abc import Iterable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path

from archive.search.documents import SegmentDocument
from archive.search.fts5_schema import SCHEMA, statements
from archive.search.fts5_writing import Rows, document_rows, write_rows

BATCH = 10_000
_CACHE_KIB = 256 * 1024  # the page cache of a rebuild: 256 MiB while it runs
_CRISISMERGE = 64  # segments of one level before FTS5 merges them during a rebuild
AUTOMERGE = 4  # FTS5's defaults, for every other write
CRISISMERGE = 16


def fill(path: Path, documents: Iterable[SegmentDocument], *, page_size: int) -> None:
    """Fills the empty file at `path` with `documents` (rowids from 1), complete and
    committed when this returns. Raises `sqlite3.IntegrityError` when two documents share a
    segment id, and whatever reading `documents` raises; the file is then left half-made, for
    the caller to delete."""
    iterator = iter(documents)
    head = tuple(itertools.islice(iterator, BATCH + 1))
    if len(head) <= BATCH:
        build = _open(path, page_size=page_size)
        try:
            if head:
                write_rows(build, document_rows(head, first_rowid=1))
            _finish(build)
        finally:
            build.close()
        return
    # The child starts (importing its modules) while this process prepares the first batch.
    _fill_in_child(path, _rows(itertools.chain(head, iterator)), page_size=page_size)


def configure(conn: sqlite3.Connection, *, automerge: int, crisismerge: int) -> None:
    for name, value in (("automerge", automerge), ("crisismerge", crisismerge)):
        conn.execute("INSERT INTO segment_text (segment_text, rank) VALUES (?, ?)", (name, value))


def _rows(documents: Iterable[SegmentDocument]) -> Iterator[Rows]:
    iterator = iter(documents)
    rowid = 1
    while batch := tuple(itertools.islice(iterator, BATCH)):
        yield document_rows(batch, first_rowid=rowid)
        rowid += len(batch)


def _fill_in_child(path: Path, batches: Iterator[Rows], *, page_size: int) -> None:
    context = multiprocessing.get_context("spawn")  # never a fork of a process with threads
    ours, theirs = context.Pipe()
    writer = context.Process(
        target=_write,
        args=(str(path),),
        kwargs={"page_size": page_size, "pipe": theirs},
        name="fts5-rebuild",
        daemon=True,
    )
    writer.start()
    theirs.close()
    done = False
    try:
        try:
            for rows in batches:
                if ours.poll():  # the writer stopped early; it said why
                    break
                ours.send(rows)
            else:
                ours.send(None)
            failure = ours.recv()
        except (BrokenPipeError, ConnectionResetError, EOFError) as exc:
            raise RuntimeError(
                "The process writing the new search index stopped unexpectedly (out of memory "
                "or disk space?). The old index is unchanged; run `archive reindex` again."
            ) from exc
        if failure is not None:
            raise failure
        done = True
    finally:
        if not done:
            writer.kill()
        writer.join()


def _write(path: str, *, page_size: int, pipe: Connection) -> None:
    """The child process: writes the batches it is sent until None, then finishes the file;
    sends back None, or the exception that stopped it. Ctrl-C is the caller's to handle (it
    stops this process), not this process's."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        build = _open(Path(path), page_size=page_size)
        try:
            while (rows := pipe.recv()) is not None:
                write_rows(build, rows)
            _finish(build)
        finally:
            build.close()
    except Exception as exc:  # raised again in the caller
        try:
            pipe.send(exc)
        except Exception:  # an exception that cannot be pickled
            pipe.send(RuntimeError(f"{type(exc).__name__}: {exc}"))
    else:
        pipe.send(None)
    finally:
        pipe.close()


def _open(path: Path, *, page_size: int) -> sqlite3.Connection:
    """A connection to the new file in its one transaction, with the tables (not yet their
    secondary indexes)."""
    build = sqlite3.connect(path, isolation_level=None)
    # A throwaway file: no journal, no fsync. The online backup into a WAL file needs both
    # files to have the same page size.
    build.execute(f"PRAGMA page_size = {page_size}")
    build.execute("PRAGMA journal_mode = OFF")
    build.execute("PRAGMA synchronous = OFF")
    build.execute("PRAGMA locking_mode = EXCLUSIVE")
    build.execute("PRAGMA temp_store = MEMORY")
    build.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
    build.execute("BEGIN")
    for statement in statements(SCHEMA):
        if not statement.startswith("CREATE INDEX"):
            build.execute(statement)
    configure(build, automerge=0, crisismerge=_CRISISMERGE)
    return build


def _finish(build: sqlite3.Connection) -> None:
    for statement in statements(SCHEMA):
        if statement.startswith("CREATE INDEX"):
            build.execute(statement)
    build.execute("INSERT INTO segment_text (segment_text) VALUES ('optimize')")
    # FTS5 keeps its settings in the file: the live index merges as it always did.
    configure(build, automerge=AUTOMERGE, crisismerge=CRISISMERGE)
    build.execute("COMMIT")
