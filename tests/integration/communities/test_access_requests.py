"""A researcher asks to hear a story they may only know of; an archivist of its community
grants it for a while or refuses; grants end by themselves; every step is in the audit log."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from archive.db.base import utcnow
from archive.db.session import transaction
from archive.domain.access import Role
from archive.models import AccessGrant
from support.accounts import MakeUser
from support.paths import STORY_EN
from support.problems import assert_problem


def listed_story(client: TestClient, admin: dict[str, str]) -> tuple[str, str]:
    story = client.post(
        "/api/v1/stories",
        headers=admin,
        json={"title": "Songs of the harvest", "access": "community"},
    ).json()
    recording = client.post(
        f"/api/v1/stories/{story['id']}/recordings",
        headers=admin,
        files={"file": ("a.flac", STORY_EN.read_bytes())},
    ).json()
    return story["id"], recording["id"]


def test_a_granted_request_opens_the_story_until_the_grant_ends(
    client: TestClient,
    admin: dict[str, str],
    make_user: MakeUser,
    sessions: sessionmaker[Session],
) -> None:
    story_id, recording_id = listed_story(client, admin)
    researcher = make_user("rosa", Role.RESEARCHER)
    archivist = make_user("ana", Role.ARCHIVIST)
    seen = client.get(f"/api/v1/stories/{story_id}", headers=researcher).json()
    assert seen["listed_only"] is True
    assert_problem(client.get(f"/api/v1/recordings/{recording_id}/audio", headers=researcher), 404)
    asked = client.post(
        f"/api/v1/stories/{story_id}/access-requests",
        headers=researcher,
        json={"reason": "I am writing the history of the harvest songs."},
    )
    assert asked.status_code == 201, asked.text
    assert asked.json()["status"] == "requested"
    assert_problem(
        client.post(
            f"/api/v1/stories/{story_id}/access-requests",
            headers=researcher,
            json={"reason": "Asking once more, please."},
        ),
        409,
    )
    pending = client.get(
        "/api/v1/access-requests", headers=archivist, params={"pending": True}
    ).json()
    assert [p["id"] for p in pending] == [asked.json()["id"]]
    assert_problem(
        client.post(
            f"/api/v1/access-requests/{asked.json()['id']}/decision",
            headers=researcher,
            json={"decision": "grant"},
        ),
        404,
    )
    granted = client.post(
        f"/api/v1/access-requests/{asked.json()['id']}/decision",
        headers=archivist,
        json={
            "decision": "grant",
            "note": "For your thesis.",
            "ends_at": (utcnow() + timedelta(days=7)).isoformat(),
        },
    )
    assert granted.json()["status"] == "granted"
    assert (
        client.get(f"/api/v1/stories/{story_id}", headers=researcher).json()["listed_only"] is False
    )
    assert (
        client.get(f"/api/v1/recordings/{recording_id}/audio", headers=researcher).status_code
        == 200
    )
    with transaction(sessions) as session:  # a week later
        session.execute(update(AccessGrant).values(ends_at=utcnow() - timedelta(seconds=1)))
    assert_problem(client.get(f"/api/v1/recordings/{recording_id}/audio", headers=researcher), 404)
    mine = client.get("/api/v1/access-requests", headers=researcher).json()
    assert mine[0]["status"] == "expired"
    actions = [
        e["action"]
        for e in client.get("/api/v1/events", headers=admin, params={"story_id": story_id}).json()[
            "items"
        ]
    ]
    assert {"access.requested", "access.granted"} <= set(actions)


def test_a_refused_request_keeps_the_story_closed_and_says_why(
    client: TestClient, admin: dict[str, str], make_user: MakeUser
) -> None:
    story_id, recording_id = listed_story(client, admin)
    researcher = make_user("rosa", Role.RESEARCHER)
    asked = client.post(
        f"/api/v1/stories/{story_id}/access-requests",
        headers=researcher,
        json={"reason": "Curious about the harvest."},
    ).json()
    refused = client.post(
        f"/api/v1/access-requests/{asked['id']}/decision",
        headers=admin,
        json={"decision": "refuse", "note": "Only for the families."},
    ).json()
    assert (refused["status"], refused["decision_note"]) == ("refused", "Only for the families.")
    assert_problem(client.get(f"/api/v1/recordings/{recording_id}", headers=researcher), 404)


def test_nobody_asks_for_what_they_may_not_know_of(
    client: TestClient, admin: dict[str, str], make_user: MakeUser
) -> None:
    private = client.post(
        "/api/v1/stories", headers=admin, json={"title": "Secret", "access": "private"}
    ).json()
    researcher = make_user("rosa", Role.RESEARCHER)
    assert_problem(
        client.post(
            f"/api/v1/stories/{private['id']}/access-requests",
            headers=researcher,
            json={"reason": "Let me hear it please."},
        ),
        404,
    )
    assert_problem(
        client.post(
            f"/api/v1/stories/{uuid.uuid4()}/access-requests",
            headers=researcher,
            json={"reason": "Let me hear it please."},
        ),
        404,
    )
