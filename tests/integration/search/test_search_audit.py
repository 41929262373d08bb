"""Reading closed words through search is audited, as reading the transcript is: one event per
search that showed them, naming the stories; searches that show only public words leave none."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from archive.communities import repository as communities
from archive.db.session import transaction, units_of_work
from archive.discovery import reindex
from archive.domain.access import Role
from archive.models import Segment, Story, Transcript
from archive.search.base import SearchIndex
from support.accounts import MakeUser
from support.stories import add_ready_recording


def transcribed_story(sessions: sessionmaker[Session], access: str, texts: list[str]) -> str:
    with transaction(sessions) as session:
        community = communities.default_community(session)
        story = Story(title=f"A {access} story", access=access, community_id=community.id)
        session.add(story)
        session.flush()
        recording = add_ready_recording(session, story.id)
        transcript = Transcript(recording_id=recording.id, version=1, source="machine")
        transcript.segments = [
            Segment(position=i, start=float(i), end=i + 0.5, text=text)
            for i, text in enumerate(texts)
        ]
        session.add(transcript)
        return str(story.id)


def index_everything(client: TestClient, sessions: sessionmaker[Session]) -> None:
    index: SearchIndex = client.app.state.index  # type: ignore[attr-defined]
    units = units_of_work(sessions)
    reindex.repair(units, index, drift=reindex.check(units, index))


def searches_logged(client: TestClient, admin: dict[str, str]) -> list[dict[str, object]]:
    answer = client.get(
        "/api/v1/events", headers=admin, params={"action": "search.closed_hits_read"}
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, object]] = answer.json()["items"]
    return items


def test_a_search_showing_closed_words_leaves_one_event_naming_the_stories(
    client: TestClient,
    sessions: sessionmaker[Session],
    admin: dict[str, str],
    make_user: MakeUser,
) -> None:
    private = transcribed_story(sessions, "private", ["the canoe at dawn", "the canoe at dusk"])
    community = transcribed_story(sessions, "community", ["a canoe of the community"])
    transcribed_story(sessions, "public", ["a public canoe"])
    index_everything(client, sessions)
    archivist = make_user("ana", Role.ARCHIVIST)
    archivist_id = client.get("/api/v1/users/me", headers=archivist).json()["id"]
    home = client.get("/api/v1/communities", headers=admin).json()["items"][0]
    assert home["is_default"]
    made = client.post(
        f"/api/v1/communities/{home['id']}/members",
        headers=admin,
        json={"user_id": archivist_id, "role": "archivist"},
    )
    assert made.status_code in (200, 201), made.text

    assert client.get("/api/v1/search", params={"q": "canoe"}).json()["total"] == 1
    assert searches_logged(client, admin) == []  # only public words: nothing to audit

    found = client.get("/api/v1/search", params={"q": "canoe"}, headers=archivist).json()
    assert found["total"] == 4
    events = searches_logged(client, admin)
    assert len(events) == 1
    assert events[0]["actor_id"] == archivist_id
    details = events[0]["details"]
    assert isinstance(details, dict)
    assert sorted(details["story_ids"]) == sorted([private, community])
    assert details["hits"] == 3
    assert details["query"] == "canoe"
    assert all("dawn" not in str(value) for value in details.values())

    client.get("/api/v1/search", params={"q": "public"}, headers=archivist)
    assert len(searches_logged(client, admin)) == 1


def test_search_answers_while_another_transaction_is_writing(
    client: TestClient,
    sessions: sessionmaker[Session],
    admin: dict[str, str],
    make_user: MakeUser,
) -> None:
    """A search reads beside a writer (an import, a transcript being saved) instead of queueing
    for its lock: on SQLite only one transaction writes at a time. Showing closed words still
    leaves its event, once the writer is done."""
    private = transcribed_story(sessions, "private", ["the canoe at dawn"])
    transcribed_story(sessions, "public", ["a public canoe"])
    index_everything(client, sessions)
    researcher = make_user("rosa", Role.RESEARCHER)
    for headers in (researcher, admin):  # first uses write (the token's use, the admin's user)
        assert client.get("/api/v1/users/me", headers=headers).status_code == 200

    with transaction(sessions) as writer:
        writer.add(Story(title="Being written", access="private"))
        writer.flush()  # the writer holds the database's write lock until the block ends
        for headers in ({}, researcher, admin):
            found = client.get("/api/v1/search", params={"q": "public canoe"}, headers=headers)
            assert found.status_code == 200, found.text
            assert [hit["text"] for hit in found.json()["hits"]] == ["a public canoe"]

    found = client.get("/api/v1/search", params={"q": "dawn"}, headers=admin).json()
    assert [hit["story_id"] for hit in found["hits"]] == [private]
    assert len(searches_logged(client, admin)) == 1
