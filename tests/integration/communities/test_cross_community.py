"""No data crosses communities: an archivist of one community, trying every endpoint with the
ids of another community's stories, recordings, protocols and members, learns nothing and
changes nothing."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from archive.db.session import transaction
from archive.domain.access import Role
from archive.models import Segment, Transcript
from support.accounts import MakeUser
from support.paths import STORY_EN

CONSENT = {"given_by": "Tía Marta", "listen": "private", "searchable": True}


def test_an_archivist_of_another_community_reaches_nothing_of_this_one(
    client: TestClient,
    admin: dict[str, str],
    make_user: MakeUser,
    sessions: sessionmaker[Session],
) -> None:
    home = client.get("/api/v1/communities", headers=admin).json()["items"][0]["id"]
    coast = client.post("/api/v1/communities", headers=admin, json={"name": "Coast"}).json()["id"]
    other = make_user("coast-archivist", Role.ARCHIVIST)
    other_id = client.get("/api/v1/users/me", headers=other).json()["id"]
    # With two communities, a new archivist belongs to none until placed in one.
    assert (
        client.delete(f"/api/v1/communities/{home}/members/{other_id}", headers=admin).status_code
        == 404
    )
    client.post(
        f"/api/v1/communities/{coast}/members",
        headers=admin,
        json={"user_id": other_id, "role": "archivist"},
    )

    protocol = client.post(
        "/api/v1/protocols",
        headers=admin,
        json={"community_id": home, "name": "Healers", "visibility": "strict", "user_ids": []},
    ).json()
    story = client.post(
        "/api/v1/stories",
        headers=admin,
        json={
            "title": "The healing song",
            "community_id": home,
            "access": "private",
            "consent": CONSENT,
        },
    ).json()
    recording = client.post(
        f"/api/v1/stories/{story['id']}/recordings",
        headers=admin,
        files={"file": ("a.flac", STORY_EN.read_bytes())},
    ).json()
    with transaction(sessions) as session:
        transcript = Transcript(
            recording_id=uuid.UUID(recording["id"]), version=1, source="machine", language="en"
        )
        transcript.segments = [Segment(position=0, start=0.0, end=2.0, text="A healing song.")]
        session.add(transcript)
        session.flush()
        segment_id = transcript.segments[0].id

    s, r = f"/api/v1/stories/{story['id']}", f"/api/v1/recordings/{recording['id']}"
    attempts = [
        ("GET", s, None),
        ("PATCH", s, {"title": "Mine now"}),
        ("DELETE", s, None),
        ("PUT", f"{s}/consent", {**CONSENT, "listen": "public"}),
        ("POST", f"{s}/consent/withdraw", {"reason": "x"}),
        ("POST", f"{s}/review", {"decision": "reject", "note": "x"}),
        ("POST", f"{s}/recordings", None),
        ("POST", f"{s}/access-requests", {"reason": "I would like to hear it."}),
        ("GET", r, None),
        ("GET", f"{r}/audio", None),
        ("GET", f"{r}/transcript", None),
        ("GET", f"{r}/transcript/versions", None),
        ("PATCH", f"{r}/transcript/segments/{segment_id}", {"text": "Changed."}),
        ("POST", f"{r}/restrictions", {"start": 0, "end": 1, "reason": "x"}),
        ("GET", f"{r}/restrictions", None),
        ("GET", f"/api/v1/protocols/{protocol['id']}", None),
        ("GET", f"/api/v1/communities/{home}/members", None),
        ("POST", f"/api/v1/communities/{home}/members", {"user_id": other_id, "role": "archivist"}),
    ]
    for method, path, body in attempts:
        headers = {**other, "If-Match": '"1"'} if method in ("PATCH", "PUT") else other
        if path.endswith("/transcript/segments/" + str(segment_id)):
            headers = {**other, "If-Match": '"v1"'}
        if path.endswith("/recordings") and method == "POST":
            answer = client.post(
                path, headers=headers, files={"file": ("b.flac", STORY_EN.read_bytes())}
            )
        else:
            answer = client.request(method, path, headers=headers, json=body)
        assert answer.status_code == 404, (method, path, answer.status_code, answer.text[:200])

    found = client.get("/api/v1/search", params={"q": "healing"}, headers=other).json()
    assert found["total"] == 0
    waiting = client.get("/api/v1/review", headers=other).json()
    assert story["id"] not in [item["id"] for item in waiting["items"]]
    # Nothing changed on the way.
    after = client.get(s, headers=admin).json()
    assert (after["title"], after["status"], after["consent"]["listen"]) == (
        "The healing song",
        "published",
        "private",
    )
