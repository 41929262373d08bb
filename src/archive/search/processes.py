"""Searches answered by a few processes of their own, one search at a time each.

Python runs one thread at a time in a process. A search on the built-in index is mostly
SQLite's work, which runs beside other threads, but reading its rows and scoring them is
Python's; with many searches at once in the threads of one HTTP process they queue for the
interpreter, every row handed back and forth, and a process with more open connections than
another serves its clients slower (a keep-alive connection stays with the process that
accepted it). So `archive serve` hands each search to one of `search_processes` processes
(as many as cores by default; Elasticsearch's search pool is sized the same way): searches
wait their turn in order instead of slicing each other, every connection waits the same, and
the HTTP process does only the HTTP.

Everything but `search` (writes, rebuilds, checks) stays in the calling process. A search
process that stops is started again, and the search it was answering gets a
`ServiceUnavailable` that says to try again. Each process opens the index file itself; a
process whose parent is gone ends at its next read.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import queue
import signal
import threading
import uuid
from collections.abc import Callable, Collection, Iterable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from archive.domain.access import SearchScope
from archive.errors import ServiceUnavailable
from archive.search.base import NO_FILTERS, SearchFilters, SearchIndex, SearchResult
from archive.search.documents import SegmentDocument
from archive.search.query import ParsedQuery

log = logging.getLogger(__name__)

JOIN_SECONDS = 5.0
"""How long `close` waits for a search process to finish before stopping it."""

IndexFactory = Callable[[], SearchIndex]
"""Opens the index in a search process: picklable (a class and its arguments, in a
`functools.partial`), since the processes are spawned, not forked."""


class SearchProcesses:
    """A `SearchIndex` that answers `search` in `processes` processes of its own, in the order
    the searches came, and everything else through `index`."""

    def __init__(self, index: SearchIndex, *, opener: IndexFactory, processes: int) -> None:
        if processes < 1:
            raise ValueError(f"processes must be at least 1, not {processes}")
        self._index = index
        self._opener = opener
        # Spawned: the caller has threads (the HTTP server's), and forking a process with
        # threads copies locks that no thread of the child will ever release.
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Searcher] = queue.Queue()
        self._all: list[_Searcher] = []
        self._lock = threading.Lock()
        self._closed = False
        self._numbers = itertools.count()
        for _ in range(processes):
            searcher = self._start()
            self._all.append(searcher)
            self._idle.put(searcher)

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
        """As `SearchIndex.search`, in the first search process that is free."""
        if self._closed:
            raise RuntimeError("the search processes are closed")
        number = next(self._numbers)
        request = (number, query, scope, filters, offset, limit, tuple(facets))
        searcher = self._idle.get()
        try:
            searcher.conn.send(request)
            answered, outcome, value = searcher.conn.recv()
            if answered != number:
                raise EOFError(f"answer {answered} to search {number}")
        except BaseException as exc:
            # Its answer may still be on the way, and must never reach the next caller: a
            # process in an unknown state is stopped and another takes its place.
            self._idle.put(self._replace(searcher))
            if isinstance(exc, EOFError | OSError):
                raise ServiceUnavailable(
                    "A search process stopped while answering. Try the search again; if it "
                    "keeps happening, the server's log says why."
                ) from exc
            raise
        self._idle.put(searcher)
        if outcome == "error":
            raise value
        result: SearchResult = value
        return result

    def replace_recording(
        self, recording_id: uuid.UUID, documents: Iterable[SegmentDocument]
    ) -> None:
        self._index.replace_recording(recording_id, documents)

    def remove_recording(self, recording_id: uuid.UUID) -> None:
        self._index.remove_recording(recording_id)

    def remove_documents(self, segment_ids: Iterable[uuid.UUID]) -> None:
        self._index.remove_documents(segment_ids)

    def document_fingerprints(self) -> dict[uuid.UUID, str]:
        return self._index.document_fingerprints()

    def rebuild(self, documents: Iterable[SegmentDocument]) -> None:
        self._index.rebuild(documents)

    def ping(self) -> bool:
        return not self._closed and self._index.ping()

    def close(self) -> None:
        """Ends the search processes (each finishes the search it is answering) and closes
        the index."""
        with self._lock:
            self._closed = True
            searchers, self._all = self._all, []
        for searcher in searchers:
            searcher.conn.close()
        for searcher in searchers:
            _stop(searcher.process, wait=JOIN_SECONDS)
        self._index.close()

    @property
    def pids(self) -> list[int]:
        """The search processes' ids, for the tests and the benchmark."""
        with self._lock:
            return [s.process.pid for s in self._all if s.process.pid is not None]

    def _start(self) -> _Searcher:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=_answer, args=(self._opener, theirs), name="archive-search", daemon=True
        )
        process.start()
        theirs.close()
        return _Searcher(process, ours)

    def _replace(self, broken: _Searcher) -> _Searcher:
        broken.conn.close()
        _stop(broken.process, wait=1.0)
        with self._lock:
            if self._closed:
                return broken
            log.warning(
                "search.process_replaced pid=%s exitcode=%s",
                broken.process.pid,
                broken.process.exitcode,
            )
            fresh = self._start()
            self._all = [fresh if s is broken else s for s in self._all]
            return fresh


def _stop(process: BaseProcess, *, wait: float) -> None:
    """Waits for a search process whose pipe is closed to end, then ends it."""
    process.join(wait)
    if process.is_alive():
        process.terminate()
        process.join(JOIN_SECONDS)


class _Searcher:
    __slots__ = ("conn", "process")

    def __init__(self, process: BaseProcess, conn: Connection) -> None:
        self.process = process
        self.conn = conn


def _answer(opener: IndexFactory, conn: Connection) -> None:
    """A search process: answer each request on `conn` until it closes. An error a search
    raises goes back to the caller; the process goes on."""
    # Ctrl-C reaches the whole process group: the server decides when searching stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    index = opener()
    try:
        while True:
            try:
                number, query, scope, filters, offset, limit, facets = conn.recv()
            except EOFError:
                return
            try:
                answer: tuple[int, str, object] = (
                    number,
                    "ok",
                    index.search(
                        query, scope, filters=filters, offset=offset, limit=limit, facets=facets
                    ),
                )
            except Exception as exc:  # the caller raises it
                answer = (number, "error", exc)
            try:
                conn.send(answer)
            except (BrokenPipeError, EOFError):
                return
            except Exception as exc:  # one that cannot be pickled
                conn.send((number, "error", ServiceUnavailable(f"The search failed: {exc!r}")))
    finally:
        index.close()
