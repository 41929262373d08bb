"""Builds the configured `SearchIndex`; called from the app lifespan and the worker, never at
import, so tests pass their own settings."""

from __future__ import annotations

from archive.search.base import SearchIndex
from archive.search.fts5 import Fts5Index
from archive.settings import Settings, SettingsError


def open_search_index(settings: Settings) -> SearchIndex:
    """The caller owns the index and closes it."""
    if settings.search_url == "sqlite":
        return Fts5Index(settings.search_db_path)
    # The Elasticsearch backend plugs in here, imported inside this branch so that processes
    # on the built-in index never load the client.
    raise SettingsError(
        f"ARCHIVE_SEARCH_URL={settings.search_url!r} points at Elasticsearch, which this version "
        "of the archive cannot use yet. Set ARCHIVE_SEARCH_URL=sqlite to use the built-in index."
    )
