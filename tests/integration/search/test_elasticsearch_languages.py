"""What only the Elasticsearch backend does: each transcript language analysed by its own
stemmer, and never by another's. On the session's Elasticsearch node (`elasticsearch_url`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from archive.domain.access import SearchScope
from archive.search.documents import SegmentDocument
from archive.search.elasticsearch import ElasticsearchIndex

EVERYTHING = SearchScope(everything=True)


@pytest.fixture
def index(elasticsearch_url: str) -> Iterator[ElasticsearchIndex]:
    built = ElasticsearchIndex(elasticsearch_url, f"archive-test-{uuid.uuid4().hex[:12]}")
    try:
        yield built
    finally:
        built.drop()
        built.close()


def add(index: ElasticsearchIndex, text: str, language: str | None) -> None:
    recording_id = uuid.uuid4()
    index.replace_recording(
        recording_id,
        [
            SegmentDocument(
                segment_id=uuid.uuid4(),
                recording_id=recording_id,
                story_id=uuid.uuid4(),
                transcript_id=uuid.uuid4(),
                start=0.0,
                end=1.0,
                text=text,
                language=language,
                story_title="A story",
                access="public",
                owner_id=None,
                collection_id=None,
            )
        ],
    )


def found(index: ElasticsearchIndex, query: str) -> list[str]:
    hits = index.search(query, EVERYTHING, offset=0, limit=20).hits
    return sorted(hit.text for hit in hits)


def test_english_words_find_their_other_forms(index: ElasticsearchIndex) -> None:
    add(index, "the rivers flooded the valley", "en")
    assert found(index, "flood river") == ["the rivers flooded the valley"]
    (hit,) = index.search("flood", EVERYTHING, offset=0, limit=1).hits
    assert hit.highlight == "the rivers <mark>flooded</mark> the valley"


def test_spanish_plurals_and_unwritten_accents(index: ElasticsearchIndex) -> None:
    add(index, "las canciones de mi abuela", "es")
    assert found(index, "canción") == ["las canciones de mi abuela"]
    assert found(index, "cancion") == ["las canciones de mi abuela"]


def test_french_elision(index: ElasticsearchIndex) -> None:
    add(index, "l'école était fermée", "fr")
    assert found(index, "ecole") == ["l'école était fermée"]


def test_a_language_is_never_stemmed_by_another_s_rules(index: ElasticsearchIndex) -> None:
    add(index, "we run home", "en")
    add(index, "run es una palabra", "es")
    add(index, "run in a language without a stemmer", "mi")
    assert found(index, "running") == ["we run home"]
    assert len(found(index, "run")) == 3


def test_a_phrase_can_match_through_stemming(index: ElasticsearchIndex) -> None:
    add(index, "then the river flooded the fields", "en")
    assert found(index, '"river floods"') == ["then the river flooded the fields"]
    assert found(index, '"floods river"') == []
