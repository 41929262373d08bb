"""Every endpoint x role x access level x embargo: who may hear a story, who may only know of
it, and who gets 404 for a story they may not see (never 403, which would tell it exists)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from archive.db.base import utcnow
from archive.db.session import transaction
from archive.discovery.indexing import documents_for_recording
from archive.domain.access import Role
from archive.models import AccessGrant, Segment, Transcript
from support.accounts import MakeUser
from support.paths import STORY_EN

FULL, LISTED, HIDDEN = "full", "listed", "hidden"
LEVELS = ("public", "community", "restricted-open", "restricted-strict", "private")

# Visibility of a published story per viewer and access level; an embargo hides it from all
# but the community's archivists and admins.
TABLE = {
    "anonymous": {
        "public": FULL,
        "community": HIDDEN,
        "restricted-open": HIDDEN,
        "restricted-strict": HIDDEN,
        "private": HIDDEN,
    },
    "outsider": {
        "public": FULL,
        "community": LISTED,
        "restricted-open": LISTED,
        "restricted-strict": HIDDEN,
        "private": HIDDEN,
    },
    "member": {
        "public": FULL,
        "community": FULL,
        "restricted-open": LISTED,
        "restricted-strict": HIDDEN,
        "private": HIDDEN,
    },
    "protocol holder": {
        "public": FULL,
        "community": FULL,
        "restricted-open": FULL,
        "restricted-strict": FULL,
        "private": HIDDEN,
    },
    "granted": {
        "public": FULL,
        "community": FULL,
        "restricted-open": FULL,
        "restricted-strict": FULL,
        "private": FULL,
    },
    "archivist": dict.fromkeys(
        ("public", "community", "restricted-open", "restricted-strict", "private"), FULL
    ),
    "archivist elsewhere": {
        "public": FULL,
        "community": LISTED,
        "restricted-open": LISTED,
        "restricted-strict": HIDDEN,
        "private": HIDDEN,
    },
    "admin": dict.fromkeys(
        ("public", "community", "restricted-open", "restricted-strict", "private"), FULL
    ),
}
CURATORS = {"archivist", "admin"}


@dataclass
class World:
    headers: dict[str, dict[str, str]]
    story_id: str
    recording_id: str


def build(
    client: TestClient,
    admin: dict[str, str],
    make_user: MakeUser,
    sessions: sessionmaker[Session],
    level: str,
    embargoed: bool,
) -> World:
    headers: dict[str, dict[str, str]] = {"anonymous": {}, "admin": admin}
    for name, role in (
        ("outsider", Role.RESEARCHER),
        ("member", Role.RESEARCHER),
        ("protocol holder", Role.RESEARCHER),
        ("granted", Role.RESEARCHER),
        ("archivist", Role.ARCHIVIST),
        ("archivist elsewhere", Role.ARCHIVIST),
    ):
        headers[name] = make_user(name.replace(" ", "-"), role)
    me = {
        name: client.get("/api/v1/users/me", headers=h).json()["id"]
        for name, h in headers.items()
        if name != "anonymous"
    }
    home = client.get("/api/v1/communities", headers=admin).json()["items"][0]["id"]
    elsewhere = client.post(
        "/api/v1/communities", headers=admin, json={"name": "The coast"}
    ).json()["id"]
    for name in ("member", "protocol holder"):
        client.post(
            f"/api/v1/communities/{home}/members",
            headers=admin,
            json={"user_id": me[name], "role": "member"},
        )
    removed = client.delete(
        f"/api/v1/communities/{home}/members/{me['archivist elsewhere']}", headers=admin
    )
    assert removed.status_code == 204
    client.post(
        f"/api/v1/communities/{elsewhere}/members",
        headers=admin,
        json={"user_id": me["archivist elsewhere"], "role": "archivist"},
    )
    body: dict[str, object] = {"title": "The flood", "community_id": home}
    if level.startswith("restricted"):
        protocol = client.post(
            "/api/v1/protocols",
            headers=admin,
            json={
                "community_id": home,
                "name": "Family of the narrator",
                "visibility": "strict" if level.endswith("strict") else "open",
                "user_ids": [me["protocol holder"]],
            },
        ).json()
        body |= {"access": "restricted", "protocol_id": protocol["id"]}
    else:
        body["access"] = level
    if embargoed:
        body["embargo_until"] = (utcnow() + timedelta(days=30)).isoformat()
    created = client.post("/api/v1/stories", headers=admin, json=body)
    assert created.status_code == 201, created.text
    story_id = created.json()["id"]
    recording_id = client.post(
        f"/api/v1/stories/{story_id}/recordings",
        headers=admin,
        files={"file": ("a.flac", STORY_EN.read_bytes())},
    ).json()["id"]
    with transaction(sessions) as session:
        transcript = Transcript(
            recording_id=uuid.UUID(recording_id), version=1, source="machine", language="en"
        )
        transcript.segments = [
            Segment(
                position=0,
                start=0.0,
                end=4.4,
                text=("My grandmother carried the seeds up the hill."),
            )
        ]
        session.add(transcript)
        session.add(
            AccessGrant(
                story_id=uuid.UUID(story_id),
                user_id=uuid.UUID(me["granted"]),
                reason="My thesis on the flood.",
                status="granted",
                starts_at=utcnow() - timedelta(days=1),
                ends_at=utcnow() + timedelta(days=1),
            )
        )
    with transaction(sessions) as session:
        documents = documents_for_recording(session, uuid.UUID(recording_id))
    assert documents is not None
    client.app.state.index.replace_recording(uuid.UUID(recording_id), documents)  # type: ignore[attr-defined]
    return World(headers, story_id, recording_id)


@pytest.mark.parametrize("embargoed", [False, True], ids=["open", "embargoed"])
@pytest.mark.parametrize(
    "level", ["public", "community", "restricted-open", "restricted-strict", "private"]
)
def test_every_endpoint_answers_each_viewer_as_the_access_rules_say(
    client: TestClient,
    admin: dict[str, str],
    make_user: MakeUser,
    sessions: sessionmaker[Session],
    level: str,
    embargoed: bool,
) -> None:
    world = build(client, admin, make_user, sessions, level, embargoed)
    recording = f"/api/v1/recordings/{world.recording_id}"
    for viewer, headers in world.headers.items():
        expected = TABLE[viewer][level]
        if embargoed and viewer not in CURATORS:
            expected = HIDDEN
        story = client.get(f"/api/v1/stories/{world.story_id}", headers=headers)
        if expected == HIDDEN:
            assert story.status_code == 404, (viewer, level)
        else:
            assert story.status_code == 200, (viewer, level)
            assert story.json()["listed_only"] is (expected == LISTED), (viewer, level)
        for path in (
            recording,
            f"{recording}/audio",
            f"{recording}/transcript",
            f"{recording}/transcript?format=vtt",
        ):
            answer = client.get(path, headers=headers)
            assert answer.status_code == (200 if expected == FULL else 404), (viewer, level, path)
        found = client.get("/api/v1/search", params={"q": "grandmother"}, headers=headers)
        assert found.json()["total"] == (1 if expected == FULL else 0), (viewer, level)
