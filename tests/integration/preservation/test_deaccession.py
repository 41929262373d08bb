"""Deaccession: the one way an original leaves the archive, on purpose and with a reason,
recorded as an event, leaving a tombstone that fixity audits know."""

from __future__ import annotations

from fastapi.testclient import TestClient

from archive.domain.access import Role
from archive.settings import Settings
from support.accounts import MakeUser
from support.fixity import audit_now
from support.problems import assert_problem
from support.stories import story_with_recording

REASON = "The family asked for it back; consent withdrawn in writing."


def test_an_archivist_deaccessions_a_recording_and_a_tombstone_stays(
    client: TestClient, admin: dict[str, str], make_user: MakeUser, settings: Settings
) -> None:
    archivist = make_user("ana", Role.ARCHIVIST)
    story_id, recording_id = story_with_recording(client, archivist, title="Kept", access="public")
    _, other_id = story_with_recording(client, archivist, title="Also kept")
    original = settings.data_dir / "objects" / "originals" / story_id / recording_id
    assert original.exists()

    answer = client.post(
        f"/api/v1/recordings/{recording_id}/deaccession",
        headers=archivist,
        json={"reason": REASON},
    )

    assert answer.status_code == 200, answer.text
    tombstone = answer.json()
    assert tombstone["deaccession_reason"] == REASON
    assert tombstone["deaccessioned_at"] is not None
    assert not original.exists()
    assert client.get(f"/api/v1/recordings/{recording_id}", headers=archivist).status_code == 200
    gone = client.get(f"/api/v1/recordings/{recording_id}/audio", headers=archivist)
    assert_problem(gone, 410)
    assert REASON in gone.json()["detail"]
    transcript = client.get(f"/api/v1/recordings/{recording_id}/transcript", headers=archivist)
    assert transcript.status_code == 410
    again = client.post(
        f"/api/v1/recordings/{recording_id}/deaccession",
        headers=archivist,
        json={"reason": REASON},
    )
    assert again.status_code == 410
    events = client.get(
        "/api/v1/events", headers=admin, params={"action": "recording.deaccessioned"}
    ).json()["items"]
    assert [e["details"]["reason"] for e in events] == [REASON]

    audit = audit_now(client)
    assert (audit.status, audit.checked, audit.deaccessioned) == ("passed", 1, 1)
    assert client.get(f"/api/v1/recordings/{other_id}/audio", headers=archivist).status_code == 200


def test_deaccession_needs_a_reason_and_a_curator(client: TestClient, make_user: MakeUser) -> None:
    archivist = make_user("ana", Role.ARCHIVIST)
    _, recording_id = story_with_recording(client, archivist, title="Kept", access="public")
    path = f"/api/v1/recordings/{recording_id}/deaccession"
    assert client.post(path, headers=archivist, json={"reason": "no"}).status_code == 422
    researcher = make_user("ro", Role.RESEARCHER)
    assert client.post(path, headers=researcher, json={"reason": REASON}).status_code == 403
    assert client.post(path, json={"reason": REASON}).status_code == 401
    assert client.get(f"/api/v1/recordings/{recording_id}/audio").status_code == 200


def test_bytes_left_under_a_tombstone_are_reported(
    client: TestClient, make_user: MakeUser, settings: Settings
) -> None:
    archivist = make_user("ana", Role.ARCHIVIST)
    story_id, recording_id = story_with_recording(client, archivist, title="Kept")
    original = settings.data_dir / "objects" / "originals" / story_id / recording_id
    kept = original.read_bytes()
    answer = client.post(
        f"/api/v1/recordings/{recording_id}/deaccession",
        headers=archivist,
        json={"reason": REASON},
    )
    assert answer.status_code == 200
    original.write_bytes(kept)  # as if removing the bytes had failed

    audit = audit_now(client)

    assert audit.status == "failed"
    assert [f["problem"] for f in audit.findings] == ["tombstone_holds_bytes"]
