"""Reading a transcript's history, comparing versions, and search following corrections."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from archive.domain.access import Role
from archive.jobs.worker import Worker
from archive.settings import Settings
from archive.tasks import job_handlers
from support.accounts import MakeUser
from support.problems import assert_problem

MakeRecording = Callable[..., uuid.UUID]


@pytest.fixture
def index_worker(settings: Settings, client: TestClient) -> Iterator[Worker]:
    """A worker for index jobs only: no speech model is loaded, none is needed."""
    built = Worker(settings, handlers=job_handlers(), name="index-worker", transcriber=lambda: None)  # type: ignore[arg-type,return-value]
    yield built
    built.close()


def current(client: TestClient, recording: uuid.UUID, headers: dict[str, str]) -> Any:
    return client.get(f"/api/v1/recordings/{recording}/transcript", headers=headers).json()


def save(
    client: TestClient,
    recording: uuid.UUID,
    position: int,
    headers: dict[str, str],
    action: str = "",
    **body: Any,
) -> Any:
    """Applies a change to the segment at `position` of the current version."""
    now = current(client, recording, headers)
    url = (
        f"/api/v1/recordings/{recording}/transcript/segments/"
        f"{now['segments'][position]['id']}{action}"
    )
    send = {**headers, "If-Match": f'"v{now["version"]}"'}
    if action:
        response = client.post(url, json=body or None, headers=send)
    else:
        response = client.patch(url, json=body, headers=send)
    assert response.status_code == 200, response.text
    return response.json()


def test_versions_are_listed_newest_first(
    client: TestClient, make_recording: MakeRecording, make_user: MakeUser
) -> None:
    archivist = make_user("ines", Role.ARCHIVIST)
    recording = make_recording()
    save(client, recording, 0, archivist, text="We crossed the wooden bridge.")
    save(client, recording, 1, archivist, "/split", at=4.1)

    response = client.get(f"/api/v1/recordings/{recording}/transcript/versions")
    assert response.status_code == 200
    versions = response.json()
    assert [(v["version"], v["source"], v["segments"]) for v in versions] == [
        (3, "human", 4),
        (2, "human", 3),
        (1, "machine", 3),
    ]
    assert versions[0]["author_id"] == versions[1]["author_id"] is not None
    assert versions[2]["author_id"] is None
    assert versions[2]["model"] == "tiny.en"
    assert set(versions[0]) == {"version", "source", "model", "author_id", "created_at", "segments"}

    second = client.get(f"/api/v1/recordings/{recording}/transcript/versions/2").json()
    assert second["version"] == 2
    assert second["segments"][0]["text"] == "We crossed the wooden bridge."
    missing = client.get(f"/api/v1/recordings/{recording}/transcript/versions/9")
    assert "versions 1 to 3" in assert_problem(missing, 404)["detail"]


def test_diff_between_versions(
    client: TestClient, make_recording: MakeRecording, admin: dict[str, str]
) -> None:
    recording = make_recording()
    save(client, recording, 0, admin, text="We crossed the wooden bridge.")
    save(client, recording, 1, admin, "/merge")
    url = f"/api/v1/recordings/{recording}/transcript/diff"

    one_to_two = client.get(url, params={"from": 1, "to": 2})
    assert one_to_two.status_code == 200, one_to_two.text
    body = one_to_two.json()
    assert (body["from_version"], body["to_version"]) == (1, 2)
    (change,) = body["changes"]
    assert change["kind"] == "changed"
    assert (change["old_position"], change["new_position"]) == (0, 0)
    assert change["fields"] == ["text", "words"]
    assert change["before"] == {
        "start": 0.0,
        "end": 3.0,
        "text": "We crossed the stone bridge.",
        "speaker": "Ana",
        "restricted": False,
    }
    assert change["after"]["text"] == "We crossed the wooden bridge."

    merge = client.get(url, params={"from": 2, "to": 3}).json()["changes"]
    assert [(c["kind"], c["old_position"], c["new_position"]) for c in merge] == [
        ("changed", 1, 1),
        ("removed", 2, None),
    ]
    assert merge[0]["after"]["text"] == "The river was high. Then we reached the mill."

    whole = client.get(url, params={"from": 1, "to": 3}).json()["changes"]
    assert [c["kind"] for c in whole] == ["changed", "changed", "removed"]
    assert client.get(url, params={"from": 3, "to": 3}).json()["changes"] == []
    assert_problem(client.get(url, params={"from": 1, "to": 4}), 404)
    assert_problem(client.get(url, params={"from": 1}), 422)


def test_history_is_as_visible_as_the_transcript(
    client: TestClient,
    make_recording: MakeRecording,
    make_user: MakeUser,
    admin: dict[str, str],
) -> None:
    private = make_recording(access="private")
    community = make_recording(access="community")
    researcher = make_user("rui", Role.RESEARCHER)
    # A community story is heard by the community's members.
    home = client.get("/api/v1/communities", headers=admin).json()["items"][0]["id"]
    me = client.get("/api/v1/users/me", headers=researcher).json()["id"]
    client.post(
        f"/api/v1/communities/{home}/members", headers=admin, json={"user_id": me, "role": "member"}
    )
    for path in (
        "transcript",
        "transcript/versions",
        "transcript/versions/1",
        "transcript/diff?from=1&to=1",
    ):
        assert_problem(client.get(f"/api/v1/recordings/{private}/{path}"), 404)
        assert_problem(client.get(f"/api/v1/recordings/{private}/{path}", headers=researcher), 404)
        assert client.get(f"/api/v1/recordings/{private}/{path}", headers=admin).status_code == 200
        assert_problem(client.get(f"/api/v1/recordings/{community}/{path}"), 404)
        assert (
            client.get(f"/api/v1/recordings/{community}/{path}", headers=researcher).status_code
            == 200
        )


def hits(client: TestClient, query: str, headers: dict[str, str]) -> list[str]:
    response = client.get("/api/v1/search", params={"q": query}, headers=headers)
    assert response.status_code == 200, response.text
    return [hit["text"] for hit in response.json()["hits"]]


def test_search_follows_a_correction_as_soon_as_it_is_saved(
    client: TestClient,
    make_recording: MakeRecording,
    admin: dict[str, str],
    index_worker: Worker,
) -> None:
    recording = make_recording()
    first = save(client, recording, 2, admin, speaker="Ana")  # indexes version 2 as it is
    assert first["version"] == 2
    index_worker.run_until_idle()
    assert hits(client, '"stone bridge"', admin) == ["We crossed the stone bridge."]

    save(client, recording, 0, admin, text="We crossed the wooden bridge.")
    # Right after the commit, before the response; no worker has run.
    assert hits(client, '"wooden bridge"', admin) == ["We crossed the wooden bridge."]
    assert hits(client, '"stone bridge"', admin) == []
    assert index_worker.run_until_idle() == 1  # the queued index job, the safety net

    assert hits(client, '"wooden bridge"', admin) == ["We crossed the wooden bridge."]
    assert hits(client, '"stone bridge"', admin) == []
    assert hits(client, '"wooden bridge"', {}) == ["We crossed the wooden bridge."]  # public
