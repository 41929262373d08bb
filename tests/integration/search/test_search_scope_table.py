"""The access table on the search backends themselves: each viewer of `tests/unit/domain/
test_access.py` finds, on the built-in index and on a real Elasticsearch node, exactly the
stories that viewer may hear (`can_view_story`), one indexed segment per story."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.domain.access import can_view_story, effective_access, is_available, search_scope
from archive.search.base import SearchIndex
from archive.search.documents import SegmentDocument
from archive.search.fts5 import Fts5Index
from unit.domain.test_access import ALL_STORIES, NOW, VIEWERS


@pytest.fixture(params=["fts5", "elasticsearch"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchIndex]:
    if request.param == "fts5":
        built: SearchIndex = Fts5Index(tmp_path / "search.sqlite3")
        yield built
        built.close()
        return
    from archive.search.elasticsearch import ElasticsearchIndex

    url: str = request.getfixturevalue("elasticsearch_url")
    es = ElasticsearchIndex(url, f"archive-test-{uuid.uuid4().hex[:12]}")
    try:
        yield es
    finally:
        es.drop()
        es.close()


def test_each_viewer_finds_exactly_the_stories_they_may_hear(index: SearchIndex) -> None:
    recording_id = uuid.uuid4()
    docs = [
        SegmentDocument(
            segment_id=uuid.uuid4(),
            recording_id=recording_id,
            story_id=s.story_id or uuid.uuid4(),
            transcript_id=uuid.uuid4(),
            start=float(n),
            end=float(n) + 1.0,
            text="the canoe song",
            language="en",
            story_title="A story",
            access=effective_access(s).value,
            owner_id=s.created_by,
            collection_id=None,
            community_id=s.community_id,
            protocol_ids=tuple(sorted(s.protocol_ids, key=str)),
            protocol_mode=s.protocol_mode,
            available=is_available(s, NOW),
        )
        for n, s in enumerate(ALL_STORIES)
    ]
    index.replace_recording(recording_id, docs)
    which = {doc.segment_id: n for n, doc in enumerate(docs)}
    for name, viewer in VIEWERS.items():
        result = index.search("canoe", search_scope(viewer), offset=0, limit=50)
        found = sorted(which[hit.segment_id] for hit in result.hits)
        may_hear = [n for n, s in enumerate(ALL_STORIES) if can_view_story(viewer, s, now=NOW)]
        assert (found, result.total) == (may_hear, len(may_hear)), name
