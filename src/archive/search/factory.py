"""Builds the configured `SearchIndex`; called from the app lifespan and the worker, never at
import, so tests pass their own settings."""

from __future__ import annotations

import functools

from archive.search.base import SearchIndex
from archive.search.fts5 import Fts5Index
from archive.search.processes import SearchProcesses
from archive.settings import Settings


def open_search_index(settings: Settings, *, search_processes: int = 0) -> SearchIndex:
    """The caller owns the index and closes it. Contacts no server: an Elasticsearch index
    is created on its first use. With `search_processes`, searches on the built-in index are
    answered in that many processes of their own (`search.processes`); an Elasticsearch node
    answers in its own."""
    if settings.search_url == "sqlite":
        index = Fts5Index(settings.search_db_path)
        if not search_processes:
            return index
        # The file was prepared (created, migrated) just above: each process only reads it.
        opener = functools.partial(Fts5Index, settings.search_db_path, prepare=False)
        return SearchProcesses(index, opener=opener, processes=search_processes)
    # Imported here so that processes on the built-in index never load the client.
    from archive.search.elasticsearch import ElasticsearchIndex

    return ElasticsearchIndex(settings.search_url, settings.search_index_prefix)
