"""`ElasticsearchIndex` on the session's real Elasticsearch node: what the contract tests do not
cover of the adapter itself (narrators, subjects and decades, the scope's every way in, paging
limits, fingerprints, closing)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator

import pytest

from archive.domain.access import Role, SearchScope, Viewer, search_scope
from archive.errors import BadRequest
from archive.search import es_mapping as m
from archive.search.base import FACET_FIELDS, SearchFilters, SearchIndex
from archive.search.elasticsearch import ElasticsearchIndex
from support.segments import recording

EVERYTHING = SearchScope(everything=True)


@pytest.fixture
def index(elasticsearch_url: str) -> Iterator[ElasticsearchIndex]:
    built = ElasticsearchIndex(
        elasticsearch_url, f"archive-test-{uuid.uuid4().hex[:12]}", retire_after=0
    )
    try:
        yield built
    finally:
        if not built._closed:
            built.drop()
        built.close()


def test_is_a_search_index(index: ElasticsearchIndex) -> None:
    as_port: SearchIndex = index
    assert as_port.ping()


def test_replace_refuses_documents_of_another_recording(index: ElasticsearchIndex) -> None:
    _, docs = recording(["the old mill"])
    with pytest.raises(ValueError, match="belongs to recording"):
        index.replace_recording(uuid.uuid4(), docs)


def test_narrators_subjects_and_decades_filter_and_count_per_value(
    index: ElasticsearchIndex,
) -> None:
    ana, ben = sorted((uuid.uuid4(), uuid.uuid4()), key=str)
    both_id, both = recording(["the river rose"])
    one_id, one = recording(["the river fell"])
    hidden_id, hidden = recording(["the secret river"], access="private")
    index.replace_recording(
        both_id,
        [
            dataclasses.replace(d, narrators=(ana, ben), subjects=("Floods", "Rivers"), decade=1950)
            for d in both
        ],
    )
    index.replace_recording(
        one_id, [dataclasses.replace(d, narrators=(ben,), subjects=("Rivers",)) for d in one]
    )
    index.replace_recording(
        hidden_id,
        [
            dataclasses.replace(d, narrators=(ana,), subjects=("Secrets",), decade=1960)
            for d in hidden
        ],
    )
    anonymous = search_scope(None)
    result = index.search("river", anonymous, offset=0, limit=10, facets=FACET_FIELDS)
    assert result.facets["narrator"] == {str(ben): 2, str(ana): 1}
    assert result.facets["subject"] == {"Rivers": 2, "Floods": 1}
    assert result.facets["decade"] == {"1950": 1}

    def texts(**filters: object) -> list[str]:
        found = index.search(
            "river",
            anonymous,
            filters=SearchFilters(**filters),  # type: ignore[arg-type]
            offset=0,
            limit=10,
        )
        return sorted(hit.text for hit in found.hits)

    assert texts(narrator=ana) == ["the river rose"]
    assert texts(narrator=ben) == ["the river fell", "the river rose"]
    assert texts(subject="Rivers", decade=1950) == ["the river rose"]
    assert texts(subject="Secrets") == []
    assert texts(decade=1960) == []


def test_the_scope_opens_documents_by_community_protocols_grants_and_availability(
    index: ElasticsearchIndex,
) -> None:
    community, first, second = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    both = tuple(sorted((first, second), key=str))
    recording_id, made = recording(
        [
            "canoe public",
            "canoe community",
            "canoe all",
            "canoe any",
            "canoe waiting",
            "canoe given",
        ]
    )
    public, member, every, some, waiting, given = (
        dataclasses.replace(doc, community_id=community) for doc in made
    )
    docs = [
        public,
        dataclasses.replace(member, access="community"),
        dataclasses.replace(every, access="restricted", protocol_ids=both),
        dataclasses.replace(some, access="restricted", protocol_ids=both, protocol_mode="any"),
        dataclasses.replace(waiting, available=False, story_id=uuid.uuid4()),
        dataclasses.replace(given, access="private", story_id=uuid.uuid4()),
    ]
    index.replace_recording(recording_id, docs)

    def found(viewer: Viewer | None) -> list[str]:
        hits = index.search("canoe", search_scope(viewer), offset=0, limit=10).hits
        return sorted(hit.text.removeprefix("canoe ") for hit in hits)

    def researcher(
        *,
        member_of: frozenset[uuid.UUID] = frozenset(),
        protocols: frozenset[uuid.UUID] = frozenset(),
        granted_stories: frozenset[uuid.UUID] = frozenset(),
    ) -> Viewer:
        return Viewer(
            uuid.uuid4(),
            Role.RESEARCHER,
            member_of=member_of,
            protocols=protocols,
            granted_stories=granted_stories,
        )

    def archivist(of: uuid.UUID) -> Viewer:
        return Viewer(uuid.uuid4(), Role.ARCHIVIST, archivist_of=frozenset({of}))

    assert found(None) == ["public"]
    assert found(researcher(member_of=frozenset({community}))) == ["community", "public"]
    assert found(researcher(protocols=frozenset({second}))) == ["any", "public"]
    assert found(researcher(protocols=frozenset(both))) == ["all", "any", "public"]
    granted = frozenset({docs[4].story_id, docs[5].story_id})
    assert found(researcher(granted_stories=granted)) == ["given", "public"]
    assert found(archivist(community)) == ["all", "any", "community", "given", "public", "waiting"]
    assert found(archivist(uuid.uuid4())) == ["public"]


def test_paging_past_the_window_is_a_bad_request(index: ElasticsearchIndex) -> None:
    with pytest.raises(BadRequest, match="narrow"):
        index.search("river", EVERYTHING, offset=m.MAX_RESULT_WINDOW, limit=10)
    with pytest.raises(BadRequest):
        index.search('"*"', EVERYTHING, offset=0, limit=10)


def test_fingerprints_are_read_by_scrolling(index: ElasticsearchIndex) -> None:
    recording_id, docs = recording(["a", "b"])
    index.replace_recording(recording_id, docs)
    assert index.document_fingerprints() == {doc.segment_id: doc.fingerprint() for doc in docs}


def test_close_refuses_later_calls(index: ElasticsearchIndex) -> None:
    index.close()
    assert not index.ping()
    with pytest.raises(RuntimeError, match="closed"):
        index.search("river", EVERYTHING, offset=0, limit=5)
