"""Every read of material that is not public leaves an event: who, what, when, from where."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from archive.domain.access import Role
from support.accounts import MakeUser
from support.paths import STORY_EN
from support.stories import story_with_recording


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
        seek = client.get(
            f"/api/v1/recordings/{recording_id}/audio",  # a seek carries bytes too
            headers={**member, "Range": "bytes=1000-1999"},
        )
        assert seek.status_code == 206
    events = client.get(
        "/api/v1/events", headers=admin, params={"action": "recording.audio_read"}
    ).json()
    items = events["items"] if isinstance(events, dict) else events
    assert [(e["subject_id"], e["actor_id"]) for e in items] == [(ids["community"], member_id)] * 2
    assert items[0]["source_ip"]
    assert client.get("/api/v1/events", headers=member).status_code == 403


@pytest.mark.parametrize(
    ("range_header", "status"),
    [
        ("BYTES=0-", 206),
        ("bytes=00-", 206),
        ("bytes=-999999999", 206),
        ("bytes=   100  -  199", 206),
        ("Bytes=0-9, 500-599", 206),
        ("bytes=5-2", 200),  # not a range we read: the whole file, which is audited too
        ("items=0-", 200),
        (None, 200),
    ],
)
def test_every_answer_that_carries_bytes_of_closed_audio_is_audited_once(
    client: TestClient,
    admin: dict[str, str],
    make_user: MakeUser,
    range_header: str | None,
    status: int,
) -> None:
    member = make_user("mara", Role.CONTRIBUTOR)
    _, recording_id = story_with_recording(client, admin, title="Closed", access="community")
    headers = member if range_header is None else {**member, "Range": range_header}
    answer = client.get(f"/api/v1/recordings/{recording_id}/audio", headers=headers)
    assert answer.status_code == status, answer.text
    assert answer.content
    events = client.get(
        "/api/v1/events", headers=admin, params={"action": "recording.audio_read"}
    ).json()["items"]
    assert [e["subject_id"] for e in events] == [recording_id]


def test_a_range_outside_the_file_carries_no_bytes_and_no_event(
    client: TestClient, admin: dict[str, str], make_user: MakeUser
) -> None:
    member = make_user("mara", Role.CONTRIBUTOR)
    _, recording_id = story_with_recording(client, admin, title="Closed", access="community")
    for header in (f"bytes={'9' * 5000}-", "bytes=99999999-"):
        answer = client.get(
            f"/api/v1/recordings/{recording_id}/audio", headers={**member, "Range": header}
        )
        assert answer.status_code == 416, answer.text
        assert answer.headers["content-range"].startswith("bytes */")
    events = client.get(
        "/api/v1/events", headers=admin, params={"action": "recording.audio_read"}
    ).json()["items"]
    assert events == []


def test_a_public_story_under_embargo_is_closed_material_and_its_reads_are_audited(
    client: TestClient, admin: dict[str, str]
) -> None:
    _, recording_id = story_with_recording(
        client, admin, title="Not yet", access="public", embargo_until="2999-01-01T00:00:00Z"
    )
    assert client.get(f"/api/v1/recordings/{recording_id}/audio").status_code == 404
    heard = client.get(f"/api/v1/recordings/{recording_id}/audio", headers=admin)
    assert heard.status_code == 200
    events = client.get(
        "/api/v1/events", headers=admin, params={"action": "recording.audio_read"}
    ).json()["items"]
    assert [e["subject_id"] for e in events] == [recording_id]
