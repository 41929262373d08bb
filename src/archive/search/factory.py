"""Builds the configured `SearchIndex`; called from the app lifespan and the worker, never at
import, so tests pass their own settings."""

from __future__ import annotations

from archive.search.base import SearchIndex
from archive.search.fts5 import Fts5Index
from archive.settings import Settings


def open_search_index(settings: Settings) -> SearchIndex:
    """The caller owns the index and closes it. Contacts no server: an Elasticsearch index
    is created on its first use."""
    if settings.search_url == "sqlite":
        return Fts5Index(settings.search_db_path)
    # Imported here so that processes on the built-in index never load the client.
    from archive.search.elasticsearch import ElasticsearchIndex

    return ElasticsearchIndex(settings.search_url, settings.search_index_prefix)
