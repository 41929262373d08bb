"""Every read of material that is not public leaves an event: who, what, when, from where."""

from __future__ import annotations

from fastapi.testclient import TestClient

from archive.domain.access import Role
from support.accounts import MakeUser
from support.paths import STORY_EN


def test_reading_a_community_story_is_logged_and_a_public_one_is_not(
    client: TestClient, admin: dict[str, str], make_user: MakeUser
) -> None:
    member = make_user("mara", Role.CONTRIBUTOR)  # contributors belong to the community
    member_id = client.get("/api/v1/users/me", headers=member).json()["id"]
    ids = {}
    for access in ("community", "public"):
        story = client.post(
            "/api/v1/stories", headers=admin, json={"title": access, "access": access}
        ).json()
        ids[access] = client.post(
            f"/api/v1/stories/{story['id']}/recordings",
            headers=admin,
            files={"file": ("a.flac", STORY_EN.read_bytes())},
        ).json()["id"]
    for recording_id in ids.values():
        assert (
            client.get(f"/api/v1/recordings/{recording_id}/audio", headers=member).status_code
            == 200
        )
        client.get(
            f"/api/v1/recordings/{recording_id}/audio",  # a seek: not a new listen
            headers={**member, "Range": "bytes=1000-1999"},
        )
    events = client.get(
        "/api/v1/events", headers=admin, params={"action": "recording.audio_read"}
    ).json()
    items = events["items"] if isinstance(events, dict) else events
    assert [(e["subject_id"], e["actor_id"]) for e in items] == [(ids["community"], member_id)]
    assert items[0]["source_ip"]
    assert client.get("/api/v1/events", headers=member).status_code == 403
