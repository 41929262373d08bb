"""`GET /api/v1/search` with filters and facets, over a real database and the built-in index."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from archive.db.session import transaction
from archive.models import Collection, Recording, Segment, Story, Transcript
from archive.search import reindex
from archive.search.base import SearchIndex
from support.problems import assert_problem


def make_story(
    sessions: sessionmaker[Session],
    texts: list[str],
    *,
    access: str = "public",
    language: str = "en",
    collection_id: uuid.UUID | None = None,
) -> tuple[uuid.UUID, uuid.UUID]:
    """(story id, recording id) of a story with one transcribed recording."""
    with transaction(sessions) as session:
        story = Story(title="A story", access=access, collection_id=collection_id)
        session.add(story)
        session.flush()
        recording = Recording(
            story_id=story.id,
            object_key=f"recordings/{uuid.uuid4()}",
            content_type="audio/flac",
            container="flac",
            size=1,
            sha256="0" * 64,
            status="ready",
        )
        session.add(recording)
        session.flush()
        transcript = Transcript(
            recording_id=recording.id, version=1, source="machine", language=language
        )
        transcript.segments = [
            Segment(position=i, start=float(i), end=i + 0.5, text=text)
            for i, text in enumerate(texts)
        ]
        session.add(transcript)
        return story.id, recording.id


def make_collection(sessions: sessionmaker[Session]) -> uuid.UUID:
    with transaction(sessions) as session:
        collection = Collection(title="River stories")
        session.add(collection)
        session.flush()
        return collection.id


def index_everything(client: TestClient, sessions: sessionmaker[Session]) -> None:
    index: SearchIndex = client.app.state.index  # type: ignore[attr-defined]
    reindex.repair(sessions, index, reindex.check(sessions, index))


def test_filters_and_facets_over_http(
    client: TestClient, sessions: sessionmaker[Session], admin: dict[str, str]
) -> None:
    river = make_collection(sessions)
    story, recording = make_story(
        sessions, ["the canoe at dawn", "the canoe at dusk"], collection_id=river
    )
    make_story(sessions, ["la canoe del río"], language="es", collection_id=river)
    make_story(sessions, ["another canoe"])
    make_story(sessions, ["a private canoe"], access="private", collection_id=river)
    index_everything(client, sessions)

    everything = client.get("/api/v1/search", params={"q": "canoe"}).json()
    assert (everything["total"], everything["page"], everything["per_page"]) == (4, 1, 20)
    assert everything["facets"] == {
        "language": {"en": 3, "es": 1},
        "collection_id": {str(river): 3},
    }

    spanish = client.get("/api/v1/search", params={"q": "canoe", "language": "es"}).json()
    assert [hit["text"] for hit in spanish["hits"]] == ["la canoe del río"]
    assert spanish["facets"]["language"] == {"es": 1}

    in_story = client.get(
        "/api/v1/search", params={"q": "canoe", "story_id": str(story), "per_page": 1}
    ).json()
    assert in_story["total"] == 2
    assert len(in_story["hits"]) == 1
    assert in_story["hits"][0]["recording_id"] == str(recording)

    by_recording = client.get(
        "/api/v1/search", params={"q": "canoe", "recording_id": str(recording)}
    ).json()
    assert by_recording["total"] == 2

    collection_params = {"q": "canoe", "collection_id": str(river)}
    public = client.get("/api/v1/search", params=collection_params).json()
    assert public["total"] == 3
    curated = client.get("/api/v1/search", params=collection_params, headers=admin).json()
    assert curated["total"] == 4
    assert curated["facets"]["collection_id"] == {str(river): 4}


def test_a_malformed_filter_is_refused(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/search", params={"q": "x", "story_id": "12"}), 422)
    assert_problem(client.get("/api/v1/search", params={"q": "x", "language": ""}), 422)
