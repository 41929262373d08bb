"""`GET /api/v1/search` with filters and facets, over a real database and each search backend
(the built-in index and a real Elasticsearch node)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from archive.communities.repository import default_community
from archive.db.session import transaction, units_of_work
from archive.discovery import reindex
from archive.models import Collection, Person, Segment, Story, StoryPerson, Transcript
from archive.search.base import SearchIndex
from archive.settings import Settings
from support.problems import assert_problem
from support.search_backends import SEARCH_BACKENDS, settings_on_backend
from support.stories import add_ready_recording

ALL_FACETS = "language,collection,narrator,subject,decade"


@pytest.fixture(params=SEARCH_BACKENDS)
def settings(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Settings]:
    yield from settings_on_backend(request, settings)


def make_story(
    sessions: sessionmaker[Session],
    texts: list[str],
    *,
    access: str = "public",
    language: str = "en",
    collection_id: uuid.UUID | None = None,
    subjects: list[str] | None = None,
    recorded_date: str | None = None,
    people: Sequence[tuple[uuid.UUID, str]] = (),
) -> tuple[uuid.UUID, uuid.UUID]:
    """(story id, recording id) of a story with one transcribed recording; `people` are
    (person id, role) pairs."""
    with transaction(sessions) as session:
        story = Story(
            title="A story",
            access=access,
            collection_id=collection_id,
            subjects=subjects or [],
            recorded_date=recorded_date,
            recorded_date_precision=None if recorded_date is None else "year",
        )
        story.people = [
            StoryPerson(person_id=person_id, role=role, position=position)
            for position, (person_id, role) in enumerate(people)
        ]
        session.add(story)
        session.flush()
        recording = add_ready_recording(session, story.id)
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
        collection = Collection(title="River stories", community_id=default_community(session).id)
        session.add(collection)
        session.flush()
        return collection.id


def make_person(sessions: sessionmaker[Session], name: str, *, deceased: bool = False) -> uuid.UUID:
    with transaction(sessions) as session:
        person = Person(name=name, deceased=deceased, community_id=default_community(session).id)
        session.add(person)
        session.flush()
        return person.id


def index_everything(client: TestClient, sessions: sessionmaker[Session]) -> None:
    index: SearchIndex = client.app.state.index  # type: ignore[attr-defined]
    reindex.repair(
        units_of_work(sessions), index, drift=reindex.check(units_of_work(sessions), index)
    )


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

    everything = client.get("/api/v1/search", params={"q": "canoe", "facets": ALL_FACETS}).json()
    assert (everything["total"], everything["page"], everything["per_page"]) == (4, 1, 20)
    assert everything["facets"] == {
        "language": {"en": 3, "es": 1},
        "collection_id": {str(river): 3},
        "narrator": {},
        "subject": {},
        "decade": {},
    }
    assert everything["narrators"] == {}

    spanish = client.get(
        "/api/v1/search", params={"q": "canoe", "facets": ALL_FACETS, "language": "es"}
    ).json()
    assert [hit["text"] for hit in spanish["hits"]] == ["la canoe del río"]
    assert spanish["facets"]["language"] == {"es": 1}

    in_story = client.get(
        "/api/v1/search",
        params={"q": "canoe", "facets": ALL_FACETS, "story_id": str(story), "per_page": 1},
    ).json()
    assert in_story["total"] == 2
    assert len(in_story["hits"]) == 1
    assert in_story["hits"][0]["recording_id"] == str(recording)

    by_recording = client.get(
        "/api/v1/search",
        params={"q": "canoe", "facets": ALL_FACETS, "recording_id": str(recording)},
    ).json()
    assert by_recording["total"] == 2

    collection_params = {"q": "canoe", "collection_id": str(river)}
    collection_params["facets"] = ALL_FACETS
    public = client.get("/api/v1/search", params=collection_params).json()
    assert public["total"] == 3
    curated = client.get("/api/v1/search", params=collection_params, headers=admin).json()
    assert curated["total"] == 4
    assert curated["facets"]["collection_id"] == {str(river): 4}


def test_a_malformed_filter_is_refused(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/search", params={"q": "x", "story_id": "12"}), 422)
    assert_problem(client.get("/api/v1/search", params={"q": "x", "language": ""}), 422)


def search(client: TestClient, **params: str) -> dict[str, Any]:
    response = client.get("/api/v1/search", params={"q": "canoe", "facets": ALL_FACETS, **params})
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def test_narrator_subject_and_decade_filters_and_facets_over_http(
    client: TestClient, sessions: sessionmaker[Session], admin: dict[str, str]
) -> None:
    ana = make_person(sessions, "Ana Quispe")
    ben = make_person(sessions, "Ben Tallow", deceased=True)
    interviewer = make_person(sessions, "Ida Asker")
    flood, _ = make_story(
        sessions,
        ["the canoe in the flood", "the canoe after"],
        subjects=["Rivers", "Floods"],
        recorded_date="1952-06-14",
        people=[(ana, "narrator"), (ben, "narrator"), (interviewer, "interviewer")],
    )
    make_story(
        sessions,
        ["the canoe race"],
        subjects=["Rivers"],
        recorded_date="1978",
        people=[(ben, "narrator"), (ana, "translator")],
    )
    make_story(sessions, ["a canoe of no one"])
    make_story(
        sessions,
        ["the hidden canoe"],
        access="private",
        subjects=["Secrets"],
        recorded_date="1990-02",
        people=[(interviewer, "narrator")],
    )
    index_everything(client, sessions)

    public = search(client)
    assert public["total"] == 4
    assert public["facets"]["narrator"] == {str(ben): 3, str(ana): 2}
    assert public["facets"]["subject"] == {"Rivers": 3, "Floods": 2}
    assert public["facets"]["decade"] == {"1950": 2, "1970": 1}
    # Only the people counted are named; the hidden story's narrator is neither.
    assert public["narrators"] == {
        str(ana): {"name": "Ana Quispe", "deceased": False},
        str(ben): {"name": "Ben Tallow", "deceased": True},
    }

    by_ana = search(client, narrator=str(ana))
    assert sorted(h["text"] for h in by_ana["hits"]) == [
        "the canoe after",
        "the canoe in the flood",
    ]
    assert by_ana["facets"]["subject"] == {"Floods": 2, "Rivers": 2}  # a translator elsewhere
    by_ben = search(client, narrator=str(ben))
    assert by_ben["total"] == 3
    assert by_ben["facets"]["narrator"] == {str(ben): 3, str(ana): 2}
    assert search(client, narrator=str(interviewer))["total"] == 0  # narrates only in secret
    floods = search(client, subject="Floods")
    assert {h["story_id"] for h in floods["hits"]} == {str(flood)}
    assert floods["facets"]["decade"] == {"1950": 2}
    assert search(client, subject="floods")["total"] == 0  # subjects match as written

    # The same filters written in the query: a narrator by name (case ignored), a year range.
    by_name = client.get("/api/v1/search", params={"q": 'canoe narrator:"ana quispe"'}).json()
    assert sorted(h["text"] for h in by_name["hits"]) == [
        "the canoe after",
        "the canoe in the flood",
    ]
    assert by_name["facets"] == {}  # counted only when asked for
    seventies = client.get("/api/v1/search", params={"q": "canoe year:1970..1979"}).json()
    assert [h["text"] for h in seventies["hits"]] == ["the canoe race"]
    nobody = client.get("/api/v1/search", params={"q": "canoe narrator:nobody"}).json()
    assert (nobody["total"], nobody["total_relation"], nobody["ranking"]) == (0, "eq", "exact")
    assert search(client, decade="1970")["total"] == 1
    assert search(client, decade="1990")["total"] == 0
    assert search(client, decade="1950", subject="Rivers", narrator=str(ana))["total"] == 2

    curated = client.get(
        "/api/v1/search", params={"q": "canoe", "facets": ALL_FACETS}, headers=admin
    ).json()
    assert curated["total"] == 5
    assert curated["facets"]["subject"] == {"Rivers": 3, "Floods": 2, "Secrets": 1}
    assert curated["facets"]["narrator"][str(interviewer)] == 1
    assert curated["narrators"][str(interviewer)] == {"name": "Ida Asker", "deceased": False}

    # Names are read at search time: a corrected name shows without reindexing.
    with transaction(sessions) as session:
        person = session.get(Person, ana)
        assert person is not None
        person.name = "Ana Quispe Mamani"
    assert search(client)["narrators"][str(ana)]["name"] == "Ana Quispe Mamani"


@pytest.mark.parametrize(
    "params",
    [
        {"decade": "1955"},
        {"decade": "990"},
        {"decade": "2110"},
        {"decade": "nineteen fifty"},
        {"narrator": "Ana"},
        {"subject": ""},
        {"subject": "x" * 201},
    ],
)
def test_a_malformed_narrator_subject_or_decade_is_refused(
    client: TestClient, params: dict[str, str]
) -> None:
    assert_problem(client.get("/api/v1/search", params={"q": "x", **params}), 422)


def test_the_edges_of_the_decade_range_are_accepted(client: TestClient) -> None:
    for decade in ("1000", "2100"):
        response = client.get("/api/v1/search", params={"q": "x", "decade": decade})
        assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("river OR", "flood OR storm"),
        ("OR river", "flood OR storm"),
        ("river year:19x", "year:1950..1970"),
        ("river narrator:", 'narrator:"Ana Lopez"'),
        ("language:fr", "language:fr river"),
        ("-river", "flood -river"),
    ],
)
def test_a_query_that_cannot_be_read_answers_400_showing_how_to_write_it(
    client: TestClient, query: str, shown: str
) -> None:
    problem = assert_problem(client.get("/api/v1/search", params={"q": query}), 400)
    assert shown in problem["detail"]


def test_an_unknown_facet_is_refused_naming_the_known_ones(client: TestClient) -> None:
    problem = assert_problem(
        client.get("/api/v1/search", params={"q": "river", "facets": "language,colour"}), 422
    )
    assert "colour" in str(problem)


@given(
    st.one_of(
        st.text(min_size=1, max_size=40),
        st.lists(
            st.sampled_from(
                [
                    "canoe",
                    "OR",
                    "-",
                    '"',
                    "riv*",
                    "year:",
                    "year:1950..1970",
                    "narrator:x",
                    "language:",
                    "speaker:",
                    'collection:"a b"',
                    "\x00",
                    "é",
                    "year:9..1",
                ]
            ),
            min_size=1,
            max_size=6,
        ).map(" ".join),
    )
)
@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_query_answers_results_or_a_problem_never_an_error(
    client: TestClient, query: str
) -> None:
    response = client.get("/api/v1/search", params={"q": query, "facets": ALL_FACETS})
    if response.status_code == 200:
        assert response.json()["total_relation"] == "eq"
    else:
        assert response.status_code in (400, 422), response.text
        assert_problem(response, response.status_code)
