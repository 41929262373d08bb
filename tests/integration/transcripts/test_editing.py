"""Correcting a transcript through the API: versions, ETags, split and merge, who may."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from archive.db.session import transaction
from archive.domain.access import Role
from archive.domain.jobs import JobKind
from archive.models import Event, Job, Transcript
from archive.settings import Settings
from archive.transcripts import repository
from support.accounts import MakeUser
from support.problems import ResponseLike, assert_problem

MakeRecording = Callable[..., uuid.UUID]


def transcript_of(client: TestClient, recording: uuid.UUID, headers: dict[str, str]) -> Any:
    response = client.get(f"/api/v1/recordings/{recording}/transcript", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def segment_url(recording: uuid.UUID, segment_id: str, action: str = "") -> str:
    return f"/api/v1/recordings/{recording}/transcript/segments/{segment_id}{action}"


def patch(
    client: TestClient,
    recording: uuid.UUID,
    segment_id: str,
    body: dict[str, Any],
    headers: dict[str, str],
    version: int | None = 1,
) -> ResponseLike:
    if_match = {} if version is None else {"If-Match": f'"v{version}"'}
    return client.patch(
        segment_url(recording, segment_id), json=body, headers={**headers, **if_match}
    )


def test_an_edit_is_a_new_human_version_and_the_old_one_stays(
    client: TestClient,
    sessions: sessionmaker[Session],
    make_recording: MakeRecording,
    make_user: MakeUser,
) -> None:
    archivist = make_user("ines", Role.ARCHIVIST)
    recording = make_recording()
    before = client.get(f"/api/v1/recordings/{recording}/transcript", headers=archivist)
    assert before.headers["etag"] == '"v1"'
    first = before.json()["segments"][0]

    edited = patch(
        client, recording, first["id"], {"text": "We crossed the wooden bridge."}, archivist
    )

    assert edited.status_code == 200, edited.text
    assert edited.headers["etag"] == '"v2"'
    body = edited.json()
    assert (body["version"], body["source"], body["model"]) == (2, "human", "tiny.en")
    assert body["author_id"] is not None
    assert [s["text"] for s in body["segments"]] == [
        "We crossed the wooden bridge.",
        "The river was high.",
        "Then we reached the mill.",
    ]
    changed, kept, _ = body["segments"]
    assert changed["id"] != first["id"]  # every version has its own segments
    assert (changed["confidence"], changed["flagged"]) == (None, False)  # a person wrote it
    assert kept["confidence"] is not None
    assert kept["flagged"] is True  # untouched: the model's judgement stands
    assert [w["word"] for w in changed["words"]][3] == "wooden"

    again = client.get(f"/api/v1/recordings/{recording}/transcript", headers=archivist)
    assert again.headers["etag"] == '"v2"'
    assert again.json() == body
    old = client.get(f"/api/v1/recordings/{recording}/transcript/versions/1", headers=archivist)
    assert old.status_code == 200
    assert old.json() == before.json()

    with transaction(sessions) as session:
        event = session.scalars(select(Event).where(Event.action == "transcript.edited")).one()
        assert event.subject_id == recording
        assert event.details["operation"] == "edit"
        assert (event.details["from_version"], event.details["to_version"]) == (1, 2)
        (change,) = event.details["changes"]
        assert change["before"]["text"] == "We crossed the stone bridge."
        assert change["after"]["text"] == "We crossed the wooden bridge."
        jobs = session.scalars(select(Job).where(Job.kind == JobKind.INDEX)).all()
        assert [job.payload for job in jobs] == [{"recording_id": str(recording)}]


def test_captions_carry_the_version_too(client: TestClient, make_recording: MakeRecording) -> None:
    recording = make_recording()
    for fmt in ("json", "vtt", "srt", "txt"):
        response = client.get(f"/api/v1/recordings/{recording}/transcript", params={"format": fmt})
        assert response.status_code == 200
        assert response.headers["etag"] == '"v1"'


def test_if_match_is_required_and_a_stale_one_is_refused(
    client: TestClient, make_recording: MakeRecording, admin: dict[str, str]
) -> None:
    recording = make_recording()
    segment = transcript_of(client, recording, admin)["segments"][1]["id"]

    missing = patch(client, recording, segment, {"speaker": "Bo"}, admin, version=None)
    assert "If-Match" in assert_problem(missing, 428)["detail"]
    star = client.patch(
        segment_url(recording, segment), json={"speaker": "Bo"}, headers={**admin, "If-Match": "*"}
    )
    assert_problem(star, 428)

    assert patch(client, recording, segment, {"speaker": "Bo"}, admin).status_code == 200
    stale = patch(client, recording, segment, {"speaker": "Cy"}, admin, version=1)
    detail = assert_problem(stale, 412)["detail"]
    assert "version 2" in detail
    assert "Reload" in detail
    assert stale.headers["etag"] == '"v2"'
    assert_problem(patch(client, recording, segment, {"speaker": "Cy"}, admin, version=7), 412)

    # The segment id of version 1 is not in version 2.
    gone = patch(client, recording, segment, {"speaker": "Cy"}, admin, version=2)
    assert "reload the transcript" in assert_problem(gone, 404)["detail"]

    current = transcript_of(client, recording, admin)["segments"][1]["id"]
    weak = client.patch(
        segment_url(recording, current),
        json={"speaker": "Cy"},
        headers={**admin, "If-Match": 'W/"v2"'},
    )
    assert weak.status_code == 200
    assert weak.json()["segments"][1]["speaker"] == "Cy"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"text": "   "}, "The text is empty"),
        ({"start": 2.9}, "before the previous segment ends"),
        ({"end": 3.0}, "must end after it starts"),
        ({}, "changes nothing"),
    ],
)
def test_a_change_that_would_break_the_transcript_is_explained(
    client: TestClient,
    make_recording: MakeRecording,
    admin: dict[str, str],
    body: dict[str, Any],
    says: str,
) -> None:
    recording = make_recording()
    segment = transcript_of(client, recording, admin)["segments"][1]["id"]
    if "end" in body:
        body = {"start": 3.5, **body, "end": 3.5}
    response = patch(client, recording, segment, body, admin)
    assert says in assert_problem(response, 422)["detail"]
    assert transcript_of(client, recording, admin)["version"] == 1


def test_a_null_text_is_refused_but_a_null_speaker_clears_it(
    client: TestClient, make_recording: MakeRecording, admin: dict[str, str]
) -> None:
    recording = make_recording()
    segment = transcript_of(client, recording, admin)["segments"][0]["id"]
    assert_problem(patch(client, recording, segment, {"text": None}, admin), 422)
    assert_problem(patch(client, recording, segment, {"colour": "red"}, admin), 422)
    cleared = patch(client, recording, segment, {"speaker": None}, admin)
    assert cleared.status_code == 200
    assert cleared.json()["segments"][0]["speaker"] is None


def test_split_and_merge(
    client: TestClient, make_recording: MakeRecording, admin: dict[str, str]
) -> None:
    recording = make_recording()
    first = transcript_of(client, recording, admin)["segments"][0]["id"]

    split = client.post(
        segment_url(recording, first, "/split"),
        json={"at": 1.2},
        headers={**admin, "If-Match": '"v1"'},
    )
    assert split.status_code == 200, split.text
    assert split.headers["etag"] == '"v2"'
    segments = split.json()["segments"]
    assert [(s["start"], s["end"], s["text"]) for s in segments[:2]] == [
        (0.0, 1.2, "We crossed the"),
        (1.2, 3.0, "stone bridge."),
    ]
    assert [w["word"] for w in segments[1]["words"]] == ["stone", "bridge."]
    assert len(segments) == 4

    outside = client.post(
        segment_url(recording, segments[0]["id"], "/split"),
        json={"at": 5.0},
        headers={**admin, "If-Match": '"v2"'},
    )
    assert "not inside this segment" in assert_problem(outside, 422)["detail"]

    merged = client.post(
        segment_url(recording, segments[0]["id"], "/merge"), headers={**admin, "If-Match": '"v2"'}
    )
    assert merged.status_code == 200, merged.text
    assert merged.headers["etag"] == '"v3"'
    again = merged.json()["segments"]
    assert [(s["start"], s["end"], s["text"]) for s in again] == [
        (0.0, 3.0, "We crossed the stone bridge."),
        (3.5, 5.0, "The river was high."),
        (6.0, 8.0, "Then we reached the mill."),
    ]

    last = again[-1]["id"]
    nothing_after = client.post(
        segment_url(recording, last, "/merge"), headers={**admin, "If-Match": '"v3"'}
    )
    assert "last segment" in assert_problem(nothing_after, 422)["detail"]
    no_tag = client.post(segment_url(recording, last, "/merge"), headers=admin)
    assert_problem(no_tag, 428)


def test_only_curators_edit_and_others_learn_only_what_they_may_see(
    client: TestClient,
    make_recording: MakeRecording,
    make_user: MakeUser,
    admin: dict[str, str],
) -> None:
    public = make_recording(access="public")
    private = make_recording(access="private")
    public_segment = transcript_of(client, public, admin)["segments"][0]["id"]
    private_segment = transcript_of(client, private, admin)["segments"][0]["id"]
    body = {"text": "Something else."}

    assert_problem(patch(client, public, public_segment, body, {}), 401)
    for role in (Role.RESEARCHER, Role.CONTRIBUTOR):
        caller = make_user(f"someone-{role}", role)
        assert transcript_of(client, public, caller)["version"] == 1  # may read it
        refused = patch(client, public, public_segment, body, caller)
        assert "archivists" in assert_problem(refused, 403)["detail"]
        split = client.post(
            segment_url(public, public_segment, "/split"),
            json={"at": 1.2},
            headers={**caller, "If-Match": '"v1"'},
        )
        assert_problem(split, 403)
        # A story they may not see is not there at all for them, edit or not.
        assert_problem(patch(client, private, private_segment, body, caller), 404)
        assert_problem(patch(client, private, private_segment, body, caller, version=None), 404)

    archivist = make_user("ines", Role.ARCHIVIST)
    assert patch(client, private, private_segment, body, archivist).status_code == 200
    assert transcript_of(client, public, admin)["version"] == 1


def test_two_saves_on_the_same_version_one_wins_the_other_is_told_to_reload(
    client: TestClient, make_recording: MakeRecording, admin: dict[str, str]
) -> None:
    recording = make_recording()
    segment = transcript_of(client, recording, admin)["segments"][0]["id"]
    editors = 4
    start = threading.Barrier(editors)

    def save(n: int) -> ResponseLike:
        start.wait()
        return patch(client, recording, segment, {"text": f"Edit number {n}."}, admin)

    with ThreadPoolExecutor(editors) as pool:
        statuses = sorted(r.status_code for r in pool.map(save, range(editors)))
    assert statuses == [200] + [412] * (editors - 1)
    assert transcript_of(client, recording, admin)["version"] == 2


def test_a_version_number_taken_under_our_feet_is_a_412_not_a_500(
    client: TestClient,
    sessions: sessionmaker[Session],
    make_recording: MakeRecording,
    admin: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
) -> None:
    """Only PostgreSQL can get here: the row lock orders edits, but a worker writing a new
    machine version does not take it. (On SQLite one writer at a time leaves no gap.)"""
    if settings.is_sqlite:
        pytest.skip("SQLite writes one transaction at a time; no other writer can interleave")
    recording = make_recording()
    segment = transcript_of(client, recording, admin)["segments"][0]["id"]
    add = repository.add_transcript

    def someone_else_first(session: Session, transcript: Transcript) -> Transcript:
        with transaction(sessions) as other:
            other.add(
                Transcript(recording_id=recording, version=transcript.version, source="machine")
            )
        return add(session, transcript)

    monkeypatch.setattr(repository, "add_transcript", someone_else_first)
    raced = patch(client, recording, segment, {"text": "Mine."}, admin)
    assert "version 2" in assert_problem(raced, 412)["detail"]
