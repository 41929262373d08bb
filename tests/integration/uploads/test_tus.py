"""Resumable uploads with the official tus client, and what the protocol says about bad input."""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from typing import BinaryIO

import httpx
import pytest
from sqlalchemy import func, select, update
from tusclient import client as tus

from archive.app import create_app
from archive.db.base import utcnow
from archive.db.session import create_db_engine, create_session_factory, transaction
from archive.domain.access import Role
from archive.models import Recording, Upload
from support.accounts import MakeUser
from support.leftovers import stored_objects
from support.live import free_port, serving
from support.paths import STORY_EN
from support.problems import assert_problem

from .conftest import LiveArchive

TUS = {"Tus-Resumable": "1.0.0"}


def tus_client(live: LiveArchive) -> tus.TusClient:
    return tus.TusClient(f"{live.url}/api/v1/uploads", headers=live.admin)


@pytest.fixture
def recording_file() -> Iterator[BinaryIO]:
    """The tus client reads from a stream we close (given a path, it leaves the file open)."""
    with STORY_EN.open("rb") as stream:
        yield stream


def metadata(story_id: str, name: str = "story_en.flac") -> dict[str, str]:
    return {"story_id": story_id, "filename": name, "filetype": "audio/flac"}


def recording_of(live: LiveArchive, upload_url: str) -> dict[str, object]:
    head = httpx.head(upload_url, headers={**live.admin, **TUS})
    assert head.status_code == 200
    recording_id = head.headers["archive-recording-id"]
    recording: dict[str, object] = httpx.get(
        f"{live.url}/api/v1/recordings/{recording_id}", headers=live.admin
    ).json()
    return recording


def test_discovery_names_the_protocol_and_its_extensions(live: LiveArchive) -> None:
    response = httpx.options(f"{live.url}/api/v1/uploads")
    assert response.status_code == 204
    assert response.headers["tus-version"] == "1.0.0"
    assert set(response.headers["tus-extension"].split(",")) >= {
        "creation",
        "creation-with-upload",
        "termination",
        "checksum",
        "expiration",
    }
    assert int(response.headers["tus-max-size"]) == live.settings.max_upload_bytes
    assert set(response.headers["tus-checksum-algorithm"].split(",")) == {"sha1", "sha256"}


def test_the_tus_client_uploads_a_recording_that_becomes_a_recording(
    live: LiveArchive, recording_file: BinaryIO
) -> None:
    story_id = live.story()
    uploader = tus_client(live).uploader(
        file_stream=recording_file, chunk_size=64 * 1024, metadata=metadata(story_id)
    )
    uploader.upload()
    recording = recording_of(live, uploader.url)
    data = STORY_EN.read_bytes()
    assert recording["sha256"] == hashlib.sha256(data).hexdigest()
    assert recording["size"] == len(data)
    assert recording["content_type"] == "audio/flac"
    assert recording["status"] == "queued"
    story = httpx.get(f"{live.url}/api/v1/stories/{story_id}", headers=live.admin).json()
    assert [r["id"] for r in story["recordings"]] == [recording["id"]]
    [stored] = stored_objects(live.settings.data_dir / "objects")
    assert stored.read_bytes() == data
    assert list(live.settings.spool_dir.iterdir()) == []


def test_an_upload_cut_off_is_resumed_by_a_new_client_from_the_server_offset(
    live: LiveArchive, recording_file: BinaryIO
) -> None:
    story_id = live.story()
    first = tus_client(live).uploader(
        file_stream=recording_file, chunk_size=100_000, metadata=metadata(story_id)
    )
    first.upload_chunk()
    first.upload_chunk()  # then the phone lost its connection
    head = httpx.head(first.url, headers={**live.admin, **TUS})
    assert head.headers["upload-offset"] == "200000"
    assert "upload-expires" in head.headers
    second = tus_client(live).uploader(
        file_stream=recording_file, url=first.url, chunk_size=100_000
    )
    assert second.offset == 200_000
    second.upload()
    assert (
        recording_of(live, first.url)["sha256"] == hashlib.sha256(STORY_EN.read_bytes()).hexdigest()
    )


def test_an_upload_survives_a_server_restart_between_its_halves(
    settings: object, admin: dict[str, str], recording_file: BinaryIO
) -> None:
    from archive.settings import Settings

    assert isinstance(settings, Settings)
    port = free_port()
    with serving(create_app(settings), port) as url:
        story_id = httpx.post(
            f"{url}/api/v1/stories", headers=admin, json={"title": "Restart"}
        ).json()["id"]
        first = tus.TusClient(f"{url}/api/v1/uploads", headers=admin).uploader(
            file_stream=recording_file, chunk_size=150_000, metadata=metadata(story_id)
        )
        first.upload_chunk()
        upload_url = first.url
    with serving(create_app(settings), port) as url:
        second = tus.TusClient(f"{url}/api/v1/uploads", headers=admin).uploader(
            file_stream=recording_file, url=upload_url, chunk_size=150_000
        )
        assert second.offset == 150_000
        second.upload()
        head = httpx.head(upload_url, headers={**admin, **TUS})
        recording = httpx.get(
            f"{url}/api/v1/recordings/{head.headers['archive-recording-id']}", headers=admin
        ).json()
    assert recording["sha256"] == hashlib.sha256(STORY_EN.read_bytes()).hexdigest()


def create(live: LiveArchive, story_id: str, length: int, **extra: str) -> str:
    meta = f"story_id {base64.b64encode(story_id.encode()).decode()}"
    response = httpx.post(
        f"{live.url}/api/v1/uploads",
        headers={
            **live.admin,
            **TUS,
            "Upload-Length": str(length),
            "Upload-Metadata": meta,
            **extra,
        },
    )
    assert response.status_code == 201, response.text
    location: str = response.headers["location"]
    return location


def patch(live: LiveArchive, url: str, offset: int, body: bytes, **extra: str) -> httpx.Response:
    return httpx.patch(
        url,
        content=body,
        headers={
            **live.admin,
            **TUS,
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
            **extra,
        },
    )


def offset_of(live: LiveArchive, url: str) -> int:
    return int(httpx.head(url, headers={**live.admin, **TUS}).headers["upload-offset"])


def test_creation_with_upload_takes_the_first_bytes_at_once(live: LiveArchive) -> None:
    data = STORY_EN.read_bytes()
    meta = f"story_id {base64.b64encode(live.story().encode()).decode()}"
    response = httpx.post(
        f"{live.url}/api/v1/uploads",
        content=data[:50_000],
        headers={
            **live.admin,
            **TUS,
            "Upload-Length": str(len(data)),
            "Upload-Metadata": meta,
            "Content-Type": "application/offset+octet-stream",
        },
    )
    assert response.status_code == 201
    assert response.headers["upload-offset"] == "50000"
    assert response.headers["tus-resumable"] == "1.0.0"
    rest = patch(live, response.headers["location"], 50_000, data[50_000:])
    assert rest.status_code == 204
    assert "archive-recording-id" in rest.headers


@pytest.mark.parametrize("algorithm", ["sha1", "sha256"])
def test_a_chunk_with_a_wrong_checksum_is_discarded_with_460(
    live: LiveArchive, algorithm: str
) -> None:
    data = STORY_EN.read_bytes()
    url = create(live, live.story(), len(data))
    chunk = data[:64_000]
    good = base64.b64encode(hashlib.new(algorithm, chunk).digest()).decode()
    bad = base64.b64encode(hashlib.new(algorithm, b"other bytes").digest()).decode()
    refused = patch(live, url, 0, chunk, **{"Upload-Checksum": f"{algorithm} {bad}"})
    assert_problem(refused, 460)
    assert refused.headers["tus-resumable"] == "1.0.0"
    assert offset_of(live, url) == 0
    accepted = patch(live, url, 0, chunk, **{"Upload-Checksum": f"{algorithm} {good}"})
    assert accepted.status_code == 204
    assert offset_of(live, url) == 64_000
    assert patch(live, url, 64_000, data[64_000:]).status_code == 204
    assert recording_of(live, url)["sha256"] == hashlib.sha256(data).hexdigest()


def test_protocol_mistakes_are_refused_and_change_nothing(live: LiveArchive) -> None:
    data = STORY_EN.read_bytes()
    url = create(live, live.story(), 1000)
    assert patch(live, url, 0, data[:400]).status_code == 204
    assert "Upload-Offset" in assert_problem(patch(live, url, 100, data[:10]), 409)["detail"]
    no_version = httpx.patch(
        url,
        content=b"x",
        headers={
            **live.admin,
            "Upload-Offset": "400",
            "Content-Type": "application/offset+octet-stream",
        },
    )
    assert_problem(no_version, 412)
    assert no_version.headers["tus-version"] == "1.0.0"
    old_version = patch(live, url, 400, b"x", **{"Tus-Resumable": "0.2.2"})
    assert_problem(old_version, 412)
    assert_problem(patch(live, url, 400, data[:601]), 413)
    wrong_type = httpx.patch(
        url,
        content=b"x",
        headers={**live.admin, **TUS, "Upload-Offset": "400", "Content-Type": "audio/flac"},
    )
    assert_problem(wrong_type, 415)
    assert_problem(patch(live, url, 400, b"x", **{"Upload-Checksum": "md5 AAAA"}), 400)
    assert offset_of(live, url) == 400
    too_big = httpx.post(
        f"{live.url}/api/v1/uploads",
        headers={
            **live.admin,
            **TUS,
            "Upload-Length": str(live.settings.max_upload_bytes + 1),
            "Upload-Metadata": f"story_id {base64.b64encode(live.story().encode()).decode()}",
        },
    )
    assert_problem(too_big, 413)
    no_story = httpx.post(
        f"{live.url}/api/v1/uploads", headers={**live.admin, **TUS, "Upload-Length": "10"}
    )
    assert_problem(no_story, 422)
    assert_problem(
        httpx.post(f"{live.url}/api/v1/uploads", headers={**TUS, "Upload-Length": "10"}), 401
    )


def test_what_is_not_media_is_refused_at_completion_and_leaves_nothing(
    live: LiveArchive,
) -> None:
    text = b"These are my notes about the flood, not a recording.\n" * 200
    url = create(live, live.story(), len(text))
    assert patch(live, url, 0, text[:5000]).status_code == 204
    refused = patch(live, url, 5000, text[5000:])
    assert_problem(refused, 415)
    assert httpx.head(url, headers={**live.admin, **TUS}).status_code == 410
    assert stored_objects(live.settings.data_dir / "objects") == []
    assert list(live.settings.spool_dir.iterdir()) == []
    with live.app.state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Recording)) == 0


def test_a_terminated_upload_is_gone_with_its_bytes(live: LiveArchive) -> None:
    data = STORY_EN.read_bytes()
    url = create(live, live.story(), len(data))
    patch(live, url, 0, data[:10_000])
    assert httpx.delete(url, headers={**live.admin, **TUS}).status_code == 204
    assert httpx.head(url, headers={**live.admin, **TUS}).status_code == 410
    assert_problem(patch(live, url, 10_000, data[10_000:20_000]), 410)
    assert list(live.settings.spool_dir.iterdir()) == []


def test_an_expired_upload_is_removed_by_its_job(live: LiveArchive) -> None:
    from archive.jobs.worker import Worker
    from archive.tasks import job_handlers

    data = STORY_EN.read_bytes()
    url = create(live, live.story(), len(data))
    patch(live, url, 0, data[:10_000])
    engine = create_db_engine(live.settings)
    sessions = create_session_factory(engine)
    with transaction(sessions) as session:
        session.execute(update(Upload).values(expires_at=utcnow()))
        from archive.models import Job

        session.execute(update(Job).values(run_after=utcnow()))
    worker = Worker(
        live.settings,
        handlers=job_handlers(),
        name="expiry-test",
        transcriber=lambda: None,  # type: ignore[arg-type,return-value]
    )
    assert worker.run_until_idle() == 1
    worker.close()
    engine.dispose()
    assert httpx.head(url, headers={**live.admin, **TUS}).status_code == 410
    assert list(live.settings.spool_dir.iterdir()) == []


def test_a_second_patch_racing_on_the_same_upload_is_refused_and_corrupts_nothing(
    live: LiveArchive,
) -> None:
    data = STORY_EN.read_bytes()
    url = create(live, live.story(), len(data))
    started = threading.Event()

    def slow_body() -> Iterator[bytes]:
        for offset in range(0, 200_000, 20_000):
            if offset == 40_000:
                started.set()
                time.sleep(1.0)
            yield data[offset : offset + 20_000]

    results: list[httpx.Response] = []
    thread = threading.Thread(target=lambda: results.append(patch(live, url, 0, slow_body())))  # type: ignore[arg-type]
    thread.start()
    assert started.wait(10)
    racing = patch(live, url, 0, data[:50_000])
    assert racing.status_code in (409, 423)
    thread.join(20)
    assert results[0].status_code == 204
    assert offset_of(live, url) == 200_000
    assert patch(live, url, 200_000, data[200_000:]).status_code == 204
    assert recording_of(live, url)["sha256"] == hashlib.sha256(data).hexdigest()


def test_bytes_a_crashed_request_left_past_the_offset_are_dropped(live: LiveArchive) -> None:
    """A server killed mid-chunk leaves bytes in the spool that no offset counts; the next
    chunk goes where the offset says, and the recording is the file, byte for byte."""
    data = STORY_EN.read_bytes()
    url = create(live, live.story(), len(data))
    assert patch(live, url, 0, data[:30_000]).status_code == 204
    (spool,) = live.settings.spool_dir.iterdir()
    with spool.open("ab") as f:
        f.write(b"half of a chunk that was never acknowledged")
    assert patch(live, url, 30_000, data[30_000:]).status_code == 204
    assert recording_of(live, url)["sha256"] == hashlib.sha256(data).hexdigest()


def test_an_upload_whose_acknowledged_bytes_were_lost_says_so(live: LiveArchive) -> None:
    """A machine that lost power may lose bytes it had acknowledged but not yet flushed:
    the upload must not go on with a hole in it."""
    data = STORY_EN.read_bytes()
    url = create(live, live.story(), len(data))
    assert patch(live, url, 0, data[:30_000]).status_code == 204
    (spool,) = live.settings.spool_dir.iterdir()
    with spool.open("r+b") as f:
        f.truncate(10_000)
    lost = assert_problem(patch(live, url, 30_000, data[30_000:40_000]), 410)
    assert "lost the last bytes" in lost["detail"]
    assert httpx.head(url, headers={**live.admin, **TUS}).status_code == 410
    assert list(live.settings.spool_dir.iterdir()) == []


def test_someone_else_cannot_send_bytes_to_an_upload(
    live: LiveArchive, make_user: MakeUser
) -> None:
    data = STORY_EN.read_bytes()
    url = create(live, live.story(), len(data))
    stranger = make_user("stranger", Role.CONTRIBUTOR)
    refused = httpx.patch(
        url,
        content=data[:1000],
        headers={
            **stranger,
            **TUS,
            "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream",
        },
    )
    assert_problem(refused, 404)
    anonymous = httpx.patch(
        url,
        content=data[:1000],
        headers={**TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
    )
    assert_problem(anonymous, 401)
    assert patch(live, url, 0, data[:1000]).status_code == 204, "and neither took the lock"


def test_every_answer_says_when_the_upload_expires(live: LiveArchive) -> None:
    """tus expiration: `Upload-Expires` on creation and on every PATCH while it may expire."""
    data = STORY_EN.read_bytes()
    meta = f"story_id {base64.b64encode(live.story().encode()).decode()}"
    created = httpx.post(
        f"{live.url}/api/v1/uploads",
        headers={**live.admin, **TUS, "Upload-Length": str(len(data)), "Upload-Metadata": meta},
    )
    assert created.status_code == 201
    first = parsedate_to_datetime(created.headers["upload-expires"])
    assert first > utcnow()
    url = created.headers["location"]
    middle = patch(live, url, 0, data[:10_000])
    assert middle.status_code == 204
    assert parsedate_to_datetime(middle.headers["upload-expires"]) >= first
    last = patch(live, url, 10_000, data[10_000:])
    assert last.status_code == 204
    assert "upload-expires" not in last.headers, "a complete upload no longer expires"
    assert "archive-recording-id" in last.headers


def test_an_address_that_names_no_upload_is_not_found(live: LiveArchive) -> None:
    for name in ("not-an-upload", "00000000-0000-4000-8000-000000000000"):
        url = f"{live.url}/api/v1/uploads/{name}"
        assert httpx.head(url, headers={**live.admin, **TUS}).status_code == 404
        assert_problem(patch(live, url, 0, b"x"), 404)
        assert_problem(httpx.delete(url, headers={**live.admin, **TUS}), 404)


def test_a_client_that_cannot_send_patch_or_delete_overrides_post(live: LiveArchive) -> None:
    """tus-js-client's `overridePatchMethod`, for proxies that only pass GET and POST."""
    data = STORY_EN.read_bytes()
    url = create(live, live.story(), len(data))
    override = {
        **live.admin,
        **TUS,
        "Upload-Offset": "0",
        "Content-Type": "application/offset+octet-stream",
        "X-HTTP-Method-Override": "PATCH",
    }
    sent = httpx.post(url, content=data[:20_000], headers=override)
    assert sent.status_code == 204, sent.text
    assert sent.headers["upload-offset"] == "20000"
    assert offset_of(live, url) == 20_000
    ended = httpx.post(url, headers={**live.admin, **TUS, "X-HTTP-Method-Override": "DELETE"})
    assert ended.status_code == 204
    assert httpx.head(url, headers={**live.admin, **TUS}).status_code == 410
    assert list(live.settings.spool_dir.iterdir()) == []


def test_a_browser_on_another_origin_may_use_it(live: LiveArchive) -> None:
    preflight = httpx.options(
        f"{live.url}/api/v1/uploads/x",
        headers={
            "Origin": "https://elders.example.org",
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "tus-resumable,upload-offset,content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] in ("*", "https://elders.example.org")
    assert "PATCH" in preflight.headers["access-control-allow-methods"]
    data = STORY_EN.read_bytes()
    url = create(live, live.story(), len(data))
    answer = httpx.head(url, headers={**live.admin, **TUS, "Origin": "https://elders.example.org"})
    exposed = answer.headers["access-control-expose-headers"].lower()
    assert "upload-offset" in exposed
    assert "location" in exposed


def test_uploads_are_private_to_whoever_started_them(live: LiveArchive) -> None:
    from archive.accounts.service import create_user_with_token
    from archive.domain.access import Role

    url = create(live, live.story(), 100)
    with transaction(live.app.state.sessions) as session:
        _, token = create_user_with_token(session, "someone", role=Role.CONTRIBUTOR)
    other = {"Authorization": f"Bearer {token}", **TUS}
    assert httpx.head(url, headers=other).status_code == 404
    assert_problem(
        httpx.patch(
            url,
            content=b"x",
            headers={
                **other,
                "Upload-Offset": "0",
                "Content-Type": "application/offset+octet-stream",
            },
        ),
        404,
    )
