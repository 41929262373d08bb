"""Restricted spans through the API: who may mark them, and what everyone else then reads,
finds and hears. Transcripts are built in the database; the jobs run on a real worker."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from archive.db.session import transaction
from archive.discovery.indexing import documents_for_recordings
from archive.domain.access import Role
from archive.domain.jobs import JobKind
from archive.domain.restrictions import OPUS_AFTER_SECONDS
from archive.jobs.worker import Worker
from archive.models import Event, Job, ListeningCopy, Recording
from archive.storage.base import ObjectStore
from integration.restrictions.helpers import (
    BRIDGE,
    add_transcribed_recording,
    duration_of,
    original_sha256,
    rms,
)
from support.accounts import MakeUser
from support.problems import assert_problem

SILENT = 1e-4
"""RMS (full scale 1.0) below which a stretch of audio counts as silent."""


def restrictions_url(recording_id: str) -> str:
    return f"/api/v1/recordings/{recording_id}/restrictions"


def restrict(
    client: TestClient,
    headers: dict[str, str],
    recording_id: str,
    span: tuple[float, float] = BRIDGE,
    reason: str = "The family asked.",
) -> dict[str, Any]:
    response = client.post(
        restrictions_url(recording_id),
        headers=headers,
        json={"start": span[0], "end": span[1], "reason": reason},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def search_total(client: TestClient, query: str, headers: dict[str, str] | None = None) -> int:
    response = client.get("/api/v1/search", params={"q": query}, headers=headers or {})
    assert response.status_code == 200, response.text
    total: int = response.json()["total"]
    return total


def transcript(
    client: TestClient, recording_id: str, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    response = client.get(f"/api/v1/recordings/{recording_id}/transcript", headers=headers or {})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def captions(client: TestClient, recording_id: str, fmt: str) -> str:
    response = client.get(f"/api/v1/recordings/{recording_id}/transcript", params={"format": fmt})
    assert response.status_code == 200, response.text
    return response.text


def audio(client: TestClient, recording_id: str, headers: dict[str, str] | None = None) -> bytes:
    response = client.get(f"/api/v1/recordings/{recording_id}/audio", headers=headers or {})
    assert response.status_code == 200, response.text
    return response.content


def jobs_for(sessions: sessionmaker[Session], recording_id: str) -> list[str]:
    with transaction(sessions) as session:
        jobs = session.scalars(select(Job).where(Job.status == "queued")).all()
        return sorted(j.kind for j in jobs if j.payload.get("recording_id") == recording_id)


def events_for(sessions: sessionmaker[Session], recording_id: str) -> list[Event]:
    with transaction(sessions) as session:
        return list(
            session.scalars(
                select(Event).where(Event.subject_id == uuid.UUID(recording_id)).order_by(Event.at)
            )
        )


def listening_copy(sessions: sessionmaker[Session], recording_id: str) -> ListeningCopy | None:
    with transaction(sessions) as session:
        return session.scalar(
            select(ListeningCopy).where(ListeningCopy.recording_id == uuid.UUID(recording_id))
        )


def store_of(client: TestClient) -> ObjectStore:
    store: ObjectStore = client.app.state.store  # type: ignore[attr-defined]
    return store


def test_an_archivist_marks_a_span_and_it_is_recorded_with_its_event_and_jobs(
    client: TestClient, admin: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    made = add_transcribed_recording(client, admin, sessions)
    body = restrict(client, admin, made.recording_id)
    assert set(body) == {"id", "recording_id", "start", "end", "reason", "created_by", "created_at"}
    assert body["recording_id"] == made.recording_id
    assert (body["start"], body["end"]) == BRIDGE
    assert body["reason"] == "The family asked."

    listed = client.get(restrictions_url(made.recording_id), headers=admin)
    assert listed.status_code == 200
    assert listed.json() == [body]

    assert jobs_for(sessions, made.recording_id) == [JobKind.INDEX, JobKind.SILENCE]
    [event] = events_for(sessions, made.recording_id)
    assert event.action == "recording.restriction_added"
    assert event.details["restriction_id"] == body["id"]
    assert event.details["start"] == BRIDGE[0]
    assert event.details["reason"] == "The family asked."


def test_listing_is_in_time_order(
    client: TestClient, admin: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    made = add_transcribed_recording(client, admin, sessions)
    later = restrict(client, admin, made.recording_id, (20.0, 21.0))
    earlier = restrict(client, admin, made.recording_id, (1.0, 2.0))
    listed = client.get(restrictions_url(made.recording_id), headers=admin).json()
    assert [r["id"] for r in listed] == [earlier["id"], later["id"]]


def test_those_without_the_right_read_restricted_there_and_curators_read_everything(
    client: TestClient, admin: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    made = add_transcribed_recording(client, admin, sessions)
    restrict(client, admin, made.recording_id)

    segments = transcript(client, made.recording_id)["segments"]
    hidden = [s for s in segments if s["text"] == "[restricted]"]
    assert len(hidden) == 1
    assert hidden[0]["words"] == []
    assert (hidden[0]["start"], hidden[0]["end"]) == (16.15, 20.246)  # times kept
    assert all(s["words"] for s in segments if s is not hidden[0])
    assert "stone bridge" not in str(segments).lower()

    for fmt in ("vtt", "srt", "txt"):
        text = captions(client, made.recording_id, fmt)
        assert "[restricted]" in text, fmt
        assert "stone bridge" not in text.lower(), fmt
        assert "grandmother" in text, fmt
    assert "00:00:16.150 --> 00:00:20.246\n[restricted]" in captions(
        client, made.recording_id, "vtt"
    )

    full = transcript(client, made.recording_id, admin)["segments"]
    assert "The stone bridge at Saint Anne" in full[3]["text"]
    assert full[3]["words"]


def test_every_version_and_diff_is_masked_too(
    client: TestClient, admin: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    made = add_transcribed_recording(client, admin, sessions)
    restrict(client, admin, made.recording_id)
    current = transcript(client, made.recording_id, admin)
    segment_id = current["segments"][3]["id"]
    edited = client.patch(
        f"/api/v1/recordings/{made.recording_id}/transcript/segments/{segment_id}",
        headers={**admin, "If-Match": '"v1"'},
        json={"text": "The stone bridge at Saint Anne was washed away that year."},
    )
    assert edited.status_code == 200, edited.text

    base = f"/api/v1/recordings/{made.recording_id}/transcript"
    for path in (f"{base}/versions/1", f"{base}/versions/2"):
        response = client.get(path)
        assert response.status_code == 200, response.text
        assert "stone bridge" not in response.text.lower(), path
        assert "[restricted]" in response.text, path
    # The diff compares what the caller may read: a change inside a restricted span does
    # not show at all.
    diff = client.get(f"{base}/diff?from=1&to=2")
    assert diff.status_code == 200
    assert diff.json()["changes"] == []
    full = client.get(f"{base}/diff?from=1&to=2", headers=admin).json()["changes"]
    assert full[0]["after"]["text"].endswith("washed away that year.")


def test_a_segment_marked_restricted_itself_is_masked_for_those_without_the_right(
    client: TestClient, admin: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    made = add_transcribed_recording(client, admin, sessions, flag_first=True)
    assert transcript(client, made.recording_id)["segments"][0]["text"] == "[restricted]"
    assert "grandmother" in transcript(client, made.recording_id, admin)["segments"][0]["text"]


def test_restricted_segments_leave_search_for_everyone_after_the_index_job(
    client: TestClient,
    admin: dict[str, str],
    sessions: sessionmaker[Session],
    jobs_worker: Worker,
) -> None:
    made = add_transcribed_recording(client, admin, sessions)
    jobs_worker.run_until_idle()  # the index job of the story's creation, if any
    restrict(client, admin, made.recording_id)
    assert jobs_worker.run_until_idle() == 2  # index, silence
    # The documents leave restricted segments out for everyone: curators too find nothing
    # there (they read it in the transcript).
    assert search_total(client, '"stone bridge"') == 0
    assert search_total(client, '"stone bridge"', admin) == 0
    assert search_total(client, "grandmother") == 1
    with transaction(sessions) as session:
        [documents] = documents_for_recordings(session, [uuid.UUID(made.recording_id)]).values()
    assert len(documents) == 4
    assert all("bridge" not in d.text for d in documents)


def test_the_audio_is_prepared_and_then_silent_in_the_span_and_the_original_is_untouched(
    client: TestClient,
    admin: dict[str, str],
    sessions: sessionmaker[Session],
    jobs_worker: Worker,
) -> None:
    made = add_transcribed_recording(client, admin, sessions)
    assert audio(client, made.recording_id) == audio(client, made.recording_id, admin)
    restrict(client, admin, made.recording_id)

    waiting = client.get(f"/api/v1/recordings/{made.recording_id}/audio")
    problem = assert_problem(waiting, 503)
    assert problem["type"].endswith("/audio-being-prepared")
    assert "being prepared" in problem["detail"]
    assert waiting.headers["retry-after"]
    # Curators hear the original at once.
    original = audio(client, made.recording_id, admin)
    assert hashlib.sha256(original).hexdigest() == made.sha256 == original_sha256()

    jobs_worker.run_until_idle()
    response = client.get(f"/api/v1/recordings/{made.recording_id}/audio")
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/flac"
    assert "Authorization" in response.headers["vary"]
    silenced = response.content
    assert silenced != original
    assert abs(duration_of(silenced) - duration_of(original)) < 0.01
    inside, before, after = rms(silenced, [(16.2, 20.2), (0.0, 4.6), (20.7, 26.3)])
    assert inside < SILENT
    assert before > 100 * SILENT
    assert after > 100 * SILENT
    # Outside the span the copy sounds like the original.
    assert rms(original, [(0.0, 4.6)])[0] == before

    copy = listening_copy(sessions, made.recording_id)
    assert copy is not None
    assert copy.sha256 == hashlib.sha256(silenced).hexdigest()
    assert copy.size == len(silenced)
    assert copy.object_key.startswith("derivatives/")
    assert response.headers["etag"] == f'"{copy.sha256}"'
    assert any(
        e.action == "recording.listening_copy_made" for e in events_for(sessions, made.recording_id)
    )

    # The original is byte-for-byte what was uploaded.
    assert audio(client, made.recording_id, admin) == original
    store = store_of(client)
    with transaction(sessions) as session:
        recording = session.get(Recording, uuid.UUID(made.recording_id))
        assert recording is not None
        assert recording.sha256 == made.sha256
        assert store.verify_sha256(recording.object_key, made.sha256)


def test_the_listening_copy_is_served_in_ranges_like_the_original(
    client: TestClient,
    admin: dict[str, str],
    sessions: sessionmaker[Session],
    jobs_worker: Worker,
) -> None:
    made = add_transcribed_recording(client, admin, sessions)
    restrict(client, admin, made.recording_id)
    jobs_worker.run_until_idle()
    url = f"/api/v1/recordings/{made.recording_id}/audio"
    whole = client.get(url).content
    part = client.get(url, headers={"Range": "bytes=100-1099"})
    assert part.status_code == 206
    assert part.content == whole[100:1100]
    assert part.headers["content-range"] == f"bytes 100-1099/{len(whole)}"
    assert part.headers["accept-ranges"] == "bytes"
    tail = client.get(url, headers={"Range": "bytes=-10"})
    assert tail.content == whole[-10:]
    outside = client.get(url, headers={"Range": f"bytes={len(whole)}-"})
    assert_problem(outside, 416)
    assert outside.headers["content-range"] == f"bytes */{len(whole)}"


def test_a_very_long_recording_gets_an_opus_copy(
    client: TestClient,
    admin: dict[str, str],
    sessions: sessionmaker[Session],
    jobs_worker: Worker,
) -> None:
    made = add_transcribed_recording(client, admin, sessions)
    with transaction(sessions) as session:
        recording = session.get(Recording, uuid.UUID(made.recording_id))
        assert recording is not None
        recording.duration = OPUS_AFTER_SECONDS + 60  # as the probe would say of a long one
    restrict(client, admin, made.recording_id)
    jobs_worker.run_until_idle()
    response = client.get(f"/api/v1/recordings/{made.recording_id}/audio")
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/ogg"
    inside, outside = rms(response.content, [(16.2, 20.2), (0.0, 4.6)])
    assert inside < SILENT
    assert outside > 100 * SILENT
    copy = listening_copy(sessions, made.recording_id)
    assert copy is not None
    assert copy.object_key.endswith(".opus")


def test_a_new_restriction_is_never_heard_through_the_old_copy(
    client: TestClient,
    admin: dict[str, str],
    sessions: sessionmaker[Session],
    jobs_worker: Worker,
) -> None:
    made = add_transcribed_recording(client, admin, sessions)
    restrict(client, admin, made.recording_id)
    jobs_worker.run_until_idle()
    first = listening_copy(sessions, made.recording_id)
    assert first is not None

    restrict(client, admin, made.recording_id, (1.0, 3.0))
    # The copy made for the old spans would let the new one be heard: it is not served.
    assert_problem(client.get(f"/api/v1/recordings/{made.recording_id}/audio"), 503)
    jobs_worker.run_until_idle()
    silenced = audio(client, made.recording_id)
    first_span, second_span, between = rms(silenced, [(1.05, 2.95), (16.2, 20.2), (5.0, 9.0)])
    assert first_span < SILENT
    assert second_span < SILENT
    assert between > 100 * SILENT
    second = listening_copy(sessions, made.recording_id)
    assert second is not None
    assert second.object_key != first.object_key
    assert not store_of(client).exists(first.object_key)  # the old copy is cleaned up


def test_lifting_the_restriction_brings_search_transcript_and_audio_back(
    client: TestClient,
    admin: dict[str, str],
    sessions: sessionmaker[Session],
    jobs_worker: Worker,
) -> None:
    made = add_transcribed_recording(client, admin, sessions)
    restriction = restrict(client, admin, made.recording_id)
    jobs_worker.run_until_idle()
    copy = listening_copy(sessions, made.recording_id)
    assert copy is not None
    assert search_total(client, '"stone bridge"') == 0

    removed = client.delete(
        f"{restrictions_url(made.recording_id)}/{restriction['id']}", headers=admin
    )
    assert removed.status_code == 204
    assert removed.content == b""
    assert client.get(restrictions_url(made.recording_id), headers=admin).json() == []
    assert jobs_for(sessions, made.recording_id) == [JobKind.INDEX, JobKind.SILENCE]
    event = events_for(sessions, made.recording_id)[-1]
    assert event.action == "recording.restriction_removed"
    assert event.details["restriction_id"] == restriction["id"]
    assert event.details["reason"] == "The family asked."

    # Transcripts and audio follow at once; search after the index job.
    assert "[restricted]" not in str(transcript(client, made.recording_id))
    assert hashlib.sha256(audio(client, made.recording_id)).hexdigest() == made.sha256
    assert jobs_worker.run_until_idle() == 2
    assert search_total(client, '"stone bridge"') == 1
    assert listening_copy(sessions, made.recording_id) is None
    assert not store_of(client).exists(copy.object_key)
    assert hashlib.sha256(audio(client, made.recording_id)).hexdigest() == made.sha256


def test_only_curators_manage_restrictions(
    client: TestClient,
    admin: dict[str, str],
    sessions: sessionmaker[Session],
    make_user: MakeUser,
) -> None:
    made = add_transcribed_recording(client, admin, sessions)
    restriction = restrict(client, admin, made.recording_id)
    url = restrictions_url(made.recording_id)
    one = f"{url}/{restriction['id']}"
    body = {"start": 1.0, "end": 2.0, "reason": "Mine."}
    for role in (Role.RESEARCHER, Role.CONTRIBUTOR):
        headers = make_user(f"someone-{role.value}", role)
        assert_problem(client.post(url, headers=headers, json=body), 403)
        assert_problem(client.get(url, headers=headers), 403)
        assert_problem(client.delete(one, headers=headers), 403)
    assert_problem(client.post(url, json=body), 401)
    assert_problem(client.get(url), 401)
    assert_problem(client.delete(one), 401)
    assert len(client.get(url, headers=admin).json()) == 1
    assert jobs_for(sessions, made.recording_id) == [JobKind.INDEX, JobKind.SILENCE]


def test_a_recording_the_caller_cannot_see_is_not_found(
    client: TestClient,
    admin: dict[str, str],
    sessions: sessionmaker[Session],
    make_user: MakeUser,
) -> None:
    made = add_transcribed_recording(client, admin, sessions, access="private")
    researcher = make_user("researcher", Role.RESEARCHER)
    url = restrictions_url(made.recording_id)
    assert_problem(
        client.post(url, headers=researcher, json={"start": 1, "end": 2, "reason": "x"}), 404
    )
    assert_problem(client.get(url, headers=researcher), 404)
    assert_problem(client.delete(f"{url}/{uuid.uuid4()}", headers=researcher), 404)
    assert_problem(client.get(restrictions_url(str(uuid.uuid4())), headers=admin), 404)


def test_spans_outside_the_recording_are_refused_with_a_reason(
    client: TestClient, admin: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    made = add_transcribed_recording(client, admin, sessions)
    url = restrictions_url(made.recording_id)
    cases = [
        ({"start": -1, "end": 2, "reason": "x"}, "before the recording begins"),
        ({"start": 5, "end": 5, "reason": "x"}, "must come after `start`"),
        ({"start": 6, "end": 5, "reason": "x"}, "must come after `start`"),
        ({"start": 20, "end": 30, "reason": "x"}, "lasts 26.781 s"),
        ({"start": 1, "end": 2, "reason": "  "}, "reason"),
        ({"start": 1, "end": 2}, "reason"),
        ({"start": 1, "end": 2, "reason": "x", "extra": 1}, "extra"),
        ({"start": "soon", "end": 2, "reason": "x"}, "start"),
    ]
    for body, says in cases:
        problem = assert_problem(client.post(url, headers=admin, json=body), 422)
        assert says in problem["detail"], (body, problem["detail"])
    assert client.get(url, headers=admin).json() == []
    assert jobs_for(sessions, made.recording_id) == []
    # The whole recording is a span it may have.
    restrict(client, admin, made.recording_id, (0.0, 26.781))


def test_removing_a_restriction_that_is_not_there_is_not_found(
    client: TestClient, admin: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    made = add_transcribed_recording(client, admin, sessions)
    other = add_transcribed_recording(client, admin, sessions)
    restriction = restrict(client, admin, other.recording_id)
    url = restrictions_url(made.recording_id)
    assert_problem(client.delete(f"{url}/{uuid.uuid4()}", headers=admin), 404)
    # A restriction of another recording is not one of this one's.
    assert_problem(client.delete(f"{url}/{restriction['id']}", headers=admin), 404)
    assert len(client.get(restrictions_url(other.recording_id), headers=admin).json()) == 1
