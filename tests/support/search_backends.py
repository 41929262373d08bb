"""Run a test on each search backend: the built-in FTS5 index and the session's Elasticsearch
node, through the app's own settings (`ARCHIVE_SEARCH_URL`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from archive.settings import Settings

SEARCH_BACKENDS = ["fts5", "elasticsearch"]


def settings_on_backend(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Settings]:
    """`settings` on the backend `request.param` names. On Elasticsearch the test gets indices
    of its own (a fresh prefix), deleted afterwards."""
    if request.param == "fts5":
        yield settings
        return
    url: str = request.getfixturevalue("elasticsearch_url")
    prefix = f"archive-test-{uuid.uuid4().hex[:12]}"
    yield settings.model_copy(update={"search_url": url, "search_index_prefix": prefix})
    from archive.search.elasticsearch import ElasticsearchIndex

    leftover = ElasticsearchIndex(url, prefix)
    try:
        leftover.drop()
    finally:
        leftover.close()
