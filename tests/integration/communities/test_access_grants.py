"""Access grants can be listed and revoked by the archivists of the story's community, and
making a story private ends them: each end is an event, and the researcher loses the story at
once."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from archive.domain.access import Role
from support.accounts import MakeUser
from support.paths import STORY_EN
from support.problems import assert_problem


def granted(
    client: TestClient, admin: dict[str, str], researcher: dict[str, str], *, community: str
) -> tuple[str, str, str]:
    """(story id, recording id, grant id) of a community story granted to `researcher`."""
    story = client.post(
        "/api/v1/stories",
        headers=admin,
        json={"title": "Songs of the harvest", "access": "community", "community_id": community},
    ).json()
    recording = client.post(
        f"/api/v1/stories/{story['id']}/recordings",
        headers=admin,
        files={"file": ("a.flac", STORY_EN.read_bytes())},
    ).json()
    asked = client.post(
        f"/api/v1/stories/{story['id']}/access-requests",
        headers=researcher,
        json={"reason": "I am writing the history of the harvest songs."},
    ).json()
    decided = client.post(
        f"/api/v1/access-requests/{asked['id']}/decision",
        headers=admin,
        json={"decision": "grant"},
    )
    assert decided.json()["status"] == "granted", decided.text
    return story["id"], recording["id"], asked["id"]


def archivist_of(
    client: TestClient, admin: dict[str, str], make_user: MakeUser, name: str, community: str
) -> dict[str, str]:
    """An archivist of `community` only."""
    headers = make_user(name, Role.ARCHIVIST)
    user_id = client.get("/api/v1/users/me", headers=headers).json()["id"]
    for joined in client.get("/api/v1/communities", headers=admin).json()["items"]:
        client.delete(f"/api/v1/communities/{joined['id']}/members/{user_id}", headers=admin)
    added = client.post(
        f"/api/v1/communities/{community}/members",
        headers=admin,
        json={"user_id": user_id, "role": "archivist"},
    )
    assert added.status_code in (200, 201), added.text
    return headers


def hears(client: TestClient, recording_id: str, headers: dict[str, str]) -> bool:
    status = client.get(f"/api/v1/recordings/{recording_id}/audio", headers=headers).status_code
    assert status in (200, 404)
    return status == 200


def grant_ids(client: TestClient, headers: dict[str, str], **params: Any) -> list[str]:
    answer = client.get("/api/v1/access-grants", headers=headers, params=params)
    assert answer.status_code == 200, answer.text
    return [g["id"] for g in answer.json()]


def actions(client: TestClient, admin: dict[str, str], story_id: str) -> list[str]:
    items = client.get("/api/v1/events", headers=admin, params={"story_id": story_id}).json()
    return [e["action"] for e in items["items"]]


@pytest.fixture
def communities(client: TestClient, admin: dict[str, str]) -> tuple[str, str]:
    home = client.get("/api/v1/communities", headers=admin).json()["items"][0]["id"]
    coast = client.post("/api/v1/communities", headers=admin, json={"name": "Coast"}).json()
    return home, coast["id"]


def test_grants_are_listed_to_whom_they_concern_and_revoked_by_the_communitys_archivist(
    client: TestClient,
    admin: dict[str, str],
    make_user: MakeUser,
    communities: tuple[str, str],
) -> None:
    home, coast = communities
    rosa = make_user("rosa", Role.RESEARCHER)
    ines = make_user("ines", Role.RESEARCHER)
    story_id, recording_id, grant_id = granted(client, admin, rosa, community=home)
    _, _, coast_grant = granted(client, admin, ines, community=coast)
    ana = archivist_of(client, admin, make_user, "ana", home)
    olu = archivist_of(client, admin, make_user, "olu", coast)

    assert grant_ids(client, admin) == [grant_id, coast_grant]
    assert grant_ids(client, ana) == [grant_id]
    assert grant_ids(client, olu) == [coast_grant]
    assert grant_ids(client, rosa) == [grant_id]
    assert grant_ids(client, ines) == [coast_grant]
    assert grant_ids(client, ana, story_id=story_id, current=True) == [grant_id]
    assert hears(client, recording_id, rosa)

    # Nobody but the story's archivists and administrators may know the grant to revoke it.
    for outsider in (olu, rosa, ines):
        assert_problem(client.delete(f"/api/v1/access-grants/{grant_id}", headers=outsider), 404)
    assert_problem(client.delete(f"/api/v1/access-grants/{uuid.uuid4()}", headers=ana), 404)
    assert hears(client, recording_id, rosa)

    assert client.delete(f"/api/v1/access-grants/{grant_id}", headers=ana).status_code == 204
    assert not hears(client, recording_id, rosa)  # at once
    seen = client.get(f"/api/v1/stories/{story_id}", headers=rosa).json()
    assert seen["listed_only"] is True
    mine = client.get("/api/v1/access-grants", headers=rosa).json()
    assert [g["status"] for g in mine] == ["revoked"]
    assert grant_ids(client, ana, current=True) == []
    # Revoking again changes nothing and logs nothing more.
    assert client.delete(f"/api/v1/access-grants/{grant_id}", headers=admin).status_code == 204
    assert actions(client, admin, story_id).count("access.revoked") == 1


def test_a_pending_request_is_not_a_grant_to_revoke(
    client: TestClient, admin: dict[str, str], make_user: MakeUser
) -> None:
    story = client.post(
        "/api/v1/stories", headers=admin, json={"title": "Asked", "access": "community"}
    ).json()
    rosa = make_user("rosa", Role.RESEARCHER)
    asked = client.post(
        f"/api/v1/stories/{story['id']}/access-requests",
        headers=rosa,
        json={"reason": "I am writing the history of the harvest songs."},
    ).json()
    assert grant_ids(client, admin) == []
    assert_problem(client.delete(f"/api/v1/access-grants/{asked['id']}", headers=admin), 404)


def test_making_a_story_private_ends_its_grants(
    client: TestClient,
    admin: dict[str, str],
    make_user: MakeUser,
    communities: tuple[str, str],
) -> None:
    home, _ = communities
    rosa = make_user("rosa", Role.RESEARCHER)
    story_id, recording_id, grant_id = granted(client, admin, rosa, community=home)
    assert hears(client, recording_id, rosa)
    story = client.get(f"/api/v1/stories/{story_id}", headers=admin)
    changed = client.patch(
        f"/api/v1/stories/{story_id}",
        headers={**admin, "If-Match": story.headers["ETag"]},
        json={"access": "private"},
    )
    assert changed.status_code == 200, changed.text
    assert not hears(client, recording_id, rosa)
    assert_problem(client.get(f"/api/v1/stories/{story_id}", headers=rosa), 404)
    mine = client.get("/api/v1/access-grants", headers=rosa).json()
    assert [(g["id"], g["status"]) for g in mine] == [(grant_id, "ended")]
    assert "access.ended" in actions(client, admin, story_id)

    # Opening it again does not bring the ended grant back.
    story = client.get(f"/api/v1/stories/{story_id}", headers=admin)
    client.patch(
        f"/api/v1/stories/{story_id}",
        headers={**admin, "If-Match": story.headers["ETag"]},
        json={"access": "community"},
    )
    assert not hears(client, recording_id, rosa)


def test_consent_that_becomes_private_ends_the_grants_too(
    client: TestClient,
    admin: dict[str, str],
    make_user: MakeUser,
    communities: tuple[str, str],
) -> None:
    home, _ = communities
    rosa = make_user("rosa", Role.RESEARCHER)
    story_id, recording_id, _ = granted(client, admin, rosa, community=home)
    answer = client.put(
        f"/api/v1/stories/{story_id}/consent",
        headers=admin,
        json={"given_by": "Tía Marta", "listen": "private", "searchable": False},
    )
    assert answer.status_code == 200, answer.text
    assert not hears(client, recording_id, rosa)
    assert [g["status"] for g in client.get("/api/v1/access-grants", headers=rosa).json()] == [
        "ended"
    ]
