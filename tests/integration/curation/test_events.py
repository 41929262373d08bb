"""The audit log: archivists and administrators read it, filtered, newest first."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from archive.db.session import transaction
from archive.domain.access import Role
from archive.events.actor import SYSTEM
from archive.events.repository import record
from archive.models import User
from support.accounts import MakeUser
from support.problems import ResponseLike, assert_problem

Submit = Callable[..., dict[str, Any]]
Edit = Callable[..., ResponseLike]
FIELDS = {"id", "at", "actor_id", "action", "subject_type", "subject_id", "outcome", "details"}


def events(client: TestClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/events", headers=headers, params=params)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def user_id(
    client: TestClient, admin: dict[str, str], headers: dict[str, str], submit: Submit
) -> str:
    """The id of the user behind `headers`, from the story they create."""
    story = submit(headers=headers)
    found = events(client, admin, subject_id=story["id"], action="story.created")
    actor: str = found["items"][0]["actor_id"]
    return actor


@pytest.mark.parametrize("role", [Role.CONTRIBUTOR, Role.RESEARCHER])
def test_only_archivists_and_administrators_read_the_log(
    client: TestClient, admin: dict[str, str], make_user: MakeUser, role: Role
) -> None:
    assert_problem(client.get("/api/v1/events", headers=make_user("someone", role)), 403)
    assert_problem(client.get("/api/v1/events"), 401)
    assert events(client, admin)["total"] >= 1
    archivist = make_user("ana", Role.ARCHIVIST)
    assert client.get("/api/v1/events", headers=archivist).status_code == 200


def test_each_event_says_who_did_what_to_which_thing_when_and_from_where(
    client: TestClient, admin: dict[str, str], submit: Submit, contributor: dict[str, str]
) -> None:
    story = submit()
    [created] = events(client, admin, subject_id=story["id"])["items"]
    assert set(created) == FIELDS | {"source_ip", "community_id"}
    assert created["community_id"] == story["community_id"]
    assert created["action"] == "story.created"
    assert created["subject_type"] == "story"
    assert created["outcome"] == "success"
    assert created["details"]["title"] == story["title"]
    assert created["source_ip"] == "testclient"
    assert created["actor_id"] is not None
    at = datetime.fromisoformat(created["at"])
    assert abs(datetime.now(UTC) - at) < timedelta(minutes=5)


def test_filters_by_story_subject_actor_and_action(
    client: TestClient,
    admin: dict[str, str],
    contributor: dict[str, str],
    make_user: MakeUser,
    submit: Submit,
    edit: Edit,
    upload: Callable[[str], str],
) -> None:
    mine = submit("Mine")
    recording_id = upload(mine["id"])
    other_contributor = make_user("otto", Role.CONTRIBUTOR)
    theirs = submit("Theirs", headers=other_contributor)
    edit(mine["id"], contributor, title="Mine, renamed")
    client.post(f"/api/v1/stories/{theirs['id']}/review", headers=admin, json={"decision": "start"})

    of_mine = events(client, admin, story_id=mine["id"])["items"]
    assert {e["subject_id"] for e in of_mine} == {mine["id"], recording_id}
    assert {"story.created", "story.updated"} <= {e["action"] for e in of_mine}
    assert any(e["subject_type"] == "recording" for e in of_mine)

    of_subject = events(client, admin, subject_id=mine["id"])["items"]
    assert {e["subject_id"] for e in of_subject} == {mine["id"]}

    carla = user_id(client, admin, contributor, submit)
    by_carla = events(client, admin, actor_id=carla)["items"]
    assert by_carla
    assert {e["actor_id"] for e in by_carla} == {carla}
    assert theirs["id"] not in {e["subject_id"] for e in by_carla}

    started = events(client, admin, action="story.review_started")["items"]
    assert [e["subject_id"] for e in started] == [theirs["id"]]
    both = events(client, admin, story_id=theirs["id"], action="story.created")
    assert both["total"] == 1
    assert events(client, admin, story_id=str(uuid.uuid4()))["items"] == []


def test_newest_first_between_since_and_until_a_page_at_a_time(
    client: TestClient, admin: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    start = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    with transaction(sessions) as session:
        user = a_user(session)
        for hour in range(5):
            event = record(
                session, SYSTEM, action="test.tick", subject=user, details={"hour": hour}
            )
            event.at = start + timedelta(hours=hour)
        subject = user.id

    def hours(**params: Any) -> list[int]:
        page = events(client, admin, subject_id=str(subject), **params)
        return [e["details"]["hour"] for e in page["items"]]

    assert hours() == [4, 3, 2, 1, 0]
    assert hours(limit=2) == [4, 3]
    assert hours(limit=2, offset=2) == [2, 1]
    assert hours(limit=2, offset=4) == [0]
    assert events(client, admin, subject_id=str(subject), limit=2)["total"] == 5
    since, until = start + timedelta(hours=1), start + timedelta(hours=3)
    assert hours(since=since.isoformat(), until=until.isoformat()) == [2, 1]
    assert hours(since="2026-03-01T15:00:00+00:00") == [4, 3]
    assert hours(until="2026-03-01T13:00:00Z") == [0]
    assert_problem(
        client.get(
            "/api/v1/events",
            params={"since": until.isoformat(), "until": since.isoformat()},
            headers=admin,
        ),
        422,
    )
    no_zone = {"since": "2026-03-01T15:00:00"}  # which 15:00? refused, never guessed
    for bad in ({"limit": 0}, {"limit": 1000}, {"offset": -1}, {"since": "yesterday"}, no_zone):
        assert_problem(client.get("/api/v1/events", params=bad, headers=admin), 422)


def test_events_made_outside_requests_have_no_address(
    client: TestClient, admin: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    with transaction(sessions) as session:
        user = a_user(session)
        record(session, SYSTEM, action="cli.did", subject=user)
        subject = user.id
    [event] = events(client, admin, subject_id=str(subject))["items"]
    assert event["source_ip"] is None


def a_user(session: Session) -> User:
    """A row for events to be about: a user's events belong to no community, so the
    administrator reads them."""
    user = User(username=f"subject-{uuid.uuid4().hex[:8]}", role="researcher")
    session.add(user)
    session.flush()
    return user
