"""The scale-out search backend: Elasticsearch 8 (8.19 tested), through the official client.

The only module that imports `elasticsearch`. What it sends (mappings, analysis, queries,
highlighting) is built in `archive.search.es_queries`, which explains the design; this module
does the talking: creating the index on first use, bulk writes with back-pressure, the alias
switch of a rebuild, and turning an unreachable cluster into `ServiceUnavailable`.

Nothing is sent when the index is built, so the API starts while Elasticsearch is still coming
up (its health says "unavailable" until it answers). The first call puts the index template
and, when the alias does not exist yet, creates the first index behind it, marked as the
alias's write index: Elasticsearch lets an alias have one write index only, so of two
processes starting together exactly one creates it.

Consistency: `replace_recording` indexes the new documents (a segment's `_id` is its id, so
writing it again overwrites it), then deletes the recording's other documents, both refreshed
before it returns, so a search right after sees exactly the new documents, and at no moment
does a search find the recording with no documents at all. Bulk writes retry documents that
Elasticsearch rejects with 429 (its queues are full), backing off from 1 to 30 seconds.

Thread safety: the client is thread-safe and shared; the one-time setup holds a lock.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from elasticsearch import ApiError, Elasticsearch, TransportError, helpers
from elasticsearch.helpers import BulkIndexError

from archive.domain.access import SearchScope
from archive.errors import BadRequest, ServiceUnavailable
from archive.search import es_mapping as m
from archive.search import es_queries as q
from archive.search import es_responses as responses
from archive.search.base import FACET_FIELDS, NO_FILTERS, SearchFilters, SearchResult
from archive.search.documents import SegmentDocument, documents_of
from archive.search.query import ParsedQuery, parse_query
from archive.settings import SettingsError

log = logging.getLogger(__name__)

REQUEST_TIMEOUT_SECONDS = 30.0
BULK_CHUNK_DOCUMENTS = 500
BULK_CHUNK_BYTES = 10 * 1024 * 1024
BULK_MAX_RETRIES = 6
BULK_INITIAL_BACKOFF_SECONDS = 1.0
BULK_MAX_BACKOFF_SECONDS = 30.0
DELETE_BATCH = 1000
PING_TIMEOUT_SECONDS = 5.0
RETIRE_AFTER_SECONDS = 1.0
"""How long a rebuild waits after the alias switch before deleting the old index."""
_UNAVAILABLE_STATUSES = frozenset({401, 403, 404, 429, 502, 503, 504})

UNAVAILABLE_DETAIL = (
    "Search is unavailable right now: the archive cannot reach its search service "
    "(Elasticsearch). Nothing stored was lost. Try again in a few minutes; if it lasts, an "
    "administrator should check that Elasticsearch is running, that ARCHIVE_SEARCH_URL points "
    "at it, and that the index exists (`archive reindex` builds it)."
)


class ElasticsearchIndex:
    """A `SearchIndex` behind the alias `{prefix}-segments` of the cluster at `url`.

    `url` may carry credentials (`https://user:password@host:9200`). Raises `SettingsError`
    for a prefix that cannot be part of an index name; never contacts the cluster here.
    """

    def __init__(
        self,
        url: str,
        prefix: str,
        *,
        request_timeout: float = REQUEST_TIMEOUT_SECONDS,
        retire_after: float = RETIRE_AFTER_SECONDS,
    ) -> None:
        try:
            self._names = m.index_names(prefix)
        except ValueError as exc:
            raise SettingsError(str(exc)) from None
        self._client = Elasticsearch(
            url, request_timeout=request_timeout, retry_on_timeout=True, max_retries=2
        )
        self._retire_after = retire_after
        self._setup_lock = threading.Lock()
        self._ready = False
        self._closed = False

    @property
    def alias(self) -> str:
        return self._names.alias

    def replace_recording(
        self, recording_id: uuid.UUID, documents: Iterable[SegmentDocument]
    ) -> None:
        """Idempotent. Raises `ValueError` for a document of another recording."""
        docs = documents_of(recording_id, documents)
        self._ensure_index()
        with _unavailable_on_error():
            if docs:
                # "true", not "wait_for": the periodic refresh would hold every write up to a
                # second; one recording's documents make one small refresh.
                self._bulk(m.index_actions(self.alias, docs), refresh="true")
            self._delete_matching(
                q.recording_query(recording_id, keep=(doc.segment_id for doc in docs))
            )

    def remove_recording(self, recording_id: uuid.UUID) -> None:
        self._ensure_index()
        with _unavailable_on_error():
            self._delete_matching(q.recording_query(recording_id))

    def remove_documents(self, segment_ids: Iterable[uuid.UUID]) -> None:
        ids = sorted(set(segment_ids))
        if not ids:
            return
        self._ensure_index()
        with _unavailable_on_error():
            for start in range(0, len(ids), DELETE_BATCH):
                self._delete_matching(q.segments_query(ids[start : start + DELETE_BATCH]))

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
        """Ranked exactly by Elasticsearch; `total` exact up to `TOTAL_LIMIT`; the facets asked
        for over the best `TOTAL_LIMIT` matches (`es_queries.facet_aggregations`)."""
        if offset < 0 or limit < 0:
            raise ValueError(f"offset ({offset}) and limit ({limit}) must not be negative")
        if offset + limit > m.MAX_RESULT_WINDOW:
            raise BadRequest(
                f"Only the first {m.MAX_RESULT_WINDOW:,} results can be paged through. Add "
                "words or filters (language, story, collection) to narrow the search."
            )
        unknown = set(facets) - set(FACET_FIELDS)
        if unknown:
            raise ValueError(f"unknown facets {sorted(unknown)}; known: {FACET_FIELDS}")
        parsed = query if isinstance(query, ParsedQuery) else parse_query(query)
        body = q.search_body(
            parsed, scope, filters=filters, offset=offset, limit=limit, facets=facets
        )
        self._ensure_index()
        with _unavailable_on_error():
            # A shard that fails (an index deleted under a search) must not quietly shrink
            # the answer: the whole search fails and the caller is told to try again.
            response = self._client.search(
                index=self.alias, body=body, allow_partial_search_results=False
            )
        hits = response["hits"]
        relation = responses.total_relation_from_response(hits)
        return SearchResult(
            total=responses.total_from_response(hits),
            hits=[responses.hit_from_response(hit) for hit in hits["hits"]],
            facets=responses.facets_from_aggregations(response.get("aggregations", {}), facets),
            total_relation=relation,
            ranking="exact",
            facets_complete=relation == "eq",
        )

    def document_fingerprints(self) -> dict[uuid.UUID, str]:
        self._ensure_index()
        with _unavailable_on_error():
            return {
                uuid.UUID(hit["_id"]): str(hit["_source"].get("fingerprint", ""))
                for hit in helpers.scan(
                    self._client,
                    index=self.alias,
                    query={"query": {"match_all": {}}},
                    source={"includes": ["fingerprint"]},
                    size=1000,
                    scroll="5m",
                )
            }

    def rebuild(self, documents: Iterable[SegmentDocument]) -> None:
        """Builds a new index of the current mapping version, points the alias at it in one
        `update_aliases` call, then deletes the indices the alias pointed at before.

        On failure before the switch the new index is deleted and the alias never moved.
        """
        self._ensure_index()
        fresh = self._names.new_index(datetime.now(UTC))
        with _unavailable_on_error():
            # No refreshes while filling: one at the end makes every document visible.
            self._client.indices.create(index=fresh, settings={"index": {"refresh_interval": "-1"}})
            try:
                self._bulk(m.index_actions(fresh, documents), refresh=None)
                self._client.indices.put_settings(
                    index=fresh, settings={"index": {"refresh_interval": None}}
                )
                self._client.indices.refresh(index=fresh)
                previous = self._alias_indices()
                actions: list[dict[str, Any]] = [
                    {"remove": {"index": name, "alias": self.alias}} for name in previous
                ]
                actions.append(
                    {"add": {"index": fresh, "alias": self.alias, "is_write_index": True}}
                )
                self._client.indices.update_aliases(actions=actions)
            except BaseException:
                self._delete_quietly([fresh])
                raise
            log.info("search.rebuilt index=%s alias=%s replaced=%s", fresh, self.alias, previous)
            if previous:
                # Searches that resolved the alias just before the switch finish first.
                time.sleep(self._retire_after)
                self._client.indices.delete(index=previous, ignore_unavailable=True)

    def ping(self) -> bool:
        """True when the cluster answers its health and can search (green or yellow; red means
        a primary shard is lost). `GET /` would prove less, and lives in a module
        (`rest-root`) a cluster may not have."""
        if self._closed:
            return False
        try:
            health = self._client.options(request_timeout=PING_TIMEOUT_SECONDS).cluster.health()
        except (ApiError, TransportError):
            return False
        return health.get("status") in ("green", "yellow")

    def close(self) -> None:
        self._closed = True
        self._client.close()

    def drop(self) -> None:
        """Delete every index and the template this archive made in the cluster. For tests and
        for retiring an archive; `archive reindex` makes them again."""
        with _unavailable_on_error():
            found = self._client.indices.get_alias(
                index=self._names.every_version, allow_no_indices=True, ignore_unavailable=True
            )
            self._delete_quietly(list(found.keys()))
            self._client.options(ignore_status=404).indices.delete_index_template(
                name=self._names.template
            )
        with self._setup_lock:
            self._ready = False

    def _ensure_index(self) -> None:
        if self._closed:
            raise RuntimeError(f"the search index {self.alias} is closed")
        if self._ready:
            return
        with self._setup_lock, _unavailable_on_error():
            if self._ready:
                return
            self._client.indices.put_index_template(
                name=self._names.template, body=m.index_template_body(self._names)
            )
            if not self._client.indices.exists_alias(name=self.alias):
                self._create_first_index()
            self._ready = True

    def _create_first_index(self) -> None:
        first = self._names.new_index(datetime.now(UTC))
        try:
            self._client.indices.create(index=first, aliases={self.alias: {"is_write_index": True}})
        except ApiError:
            # Another process created the first index at the same moment, and the alias's
            # one write index is theirs. Anything else is an error to show.
            if not self._client.indices.exists_alias(name=self.alias):
                raise
            self._delete_quietly([first])
        else:
            log.info("search.index_created index=%s alias=%s", first, self.alias)

    def _alias_indices(self) -> list[str]:
        found = self._client.options(ignore_status=404).indices.get_alias(name=self.alias)
        return sorted(name for name, body in found.items() if isinstance(body, dict))

    def _delete_matching(self, query: dict[str, Any]) -> None:
        """Delete every document `query` matches, refreshed before it returns.

        Search for a batch of ids, delete them in one bulk request, again until nothing
        matches: the server's own APIs, so the archive needs no module beyond the server (the
        `_delete_by_query` API lives in the `reindex` module). A document someone else deleted
        first is not an error.
        """
        while True:
            response = self._client.search(
                index=self.alias,
                query=query,
                size=DELETE_BATCH,
                source=False,
                allow_partial_search_results=False,
            )
            hits = response["hits"]["hits"]
            if not hits:
                return
            self._bulk(
                (
                    {"_op_type": "delete", "_index": hit["_index"], "_id": hit["_id"]}
                    for hit in hits
                ),
                refresh="true",
            )

    def _bulk(self, actions: Iterable[dict[str, Any]], *, refresh: str | None) -> None:
        """Raises `ServiceUnavailable` when documents were still refused as overload after
        every retry, and `BulkIndexError` (with the first failures) for any other refusal."""
        extra: dict[str, Any] = {} if refresh is None else {"refresh": refresh}
        failures: list[dict[str, Any]] = []
        statuses: set[int] = set()
        # raise_on_error=False: with it on, the helper raises at the first refused document
        # instead of retrying the ones refused with 429.
        for ok, item in helpers.streaming_bulk(
            self._client,
            actions,
            chunk_size=BULK_CHUNK_DOCUMENTS,
            max_chunk_bytes=BULK_CHUNK_BYTES,
            max_retries=BULK_MAX_RETRIES,
            initial_backoff=BULK_INITIAL_BACKOFF_SECONDS,
            max_backoff=BULK_MAX_BACKOFF_SECONDS,
            raise_on_error=False,
            yield_ok=False,
            **extra,
        ):
            if not ok:
                if _already_deleted(item):
                    continue
                statuses.update(int(info.get("status", 0)) for info in item.values())
                if len(failures) < 10:
                    failures.append(item)
        if not statuses:
            return
        if statuses <= {429, 503}:
            log.warning("search.bulk_refused statuses=%s", sorted(statuses))
            raise ServiceUnavailable(UNAVAILABLE_DETAIL)
        raise BulkIndexError(f"documents refused with statuses {sorted(statuses)}", failures)

    def _delete_quietly(self, names: list[str]) -> None:
        if not names:
            return
        try:
            self._client.indices.delete(index=names, ignore_unavailable=True)
        except (ApiError, TransportError):
            log.warning("search.delete_failed indices=%s", names, exc_info=True)


def _already_deleted(item: dict[str, Any]) -> bool:
    """A bulk `delete` answered 404: someone deleted the document first, as was wanted."""
    return "delete" in item and int(item["delete"].get("status", 0)) == 404


@contextmanager
def _unavailable_on_error() -> Iterator[None]:
    """Connection failures, timeouts, overload and a missing index become `ServiceUnavailable`;
    any other refusal (a bad request is our bug) goes up as it is."""
    try:
        yield
    except TransportError as exc:
        log.warning("search.unavailable error=%s", exc)
        raise ServiceUnavailable(UNAVAILABLE_DETAIL) from exc
    except ApiError as exc:
        if exc.meta.status not in _UNAVAILABLE_STATUSES:
            raise
        log.warning("search.unavailable status=%s error=%s", exc.meta.status, exc)
        raise ServiceUnavailable(UNAVAILABLE_DETAIL) from exc
