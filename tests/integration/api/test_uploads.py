"""Uploading a recording in one request, and everything an upload may be refused for."""

from __future__ import annotations

import contextlib
import hashlib
import select
import socket
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from archive.domain.access import Role
from archive.settings import Settings
from support.accounts import MakeUser
from support.leftovers import counts, stored_objects
from support.live import serving
from support.paths import STORY_EN, STORY_EN_OPUS
from support.problems import ResponseLike, assert_problem


def new_story(client: TestClient, headers: dict[str, str], access: str = "public") -> str:
    response = client.post(
        "/api/v1/stories", json={"title": "The flood", "access": access}, headers=headers
    )
    assert response.status_code == 201
    story_id: str = response.json()["id"]
    return story_id


def upload(
    client: TestClient,
    story_id: str,
    headers: dict[str, str],
    name: str,
    data: bytes,
    content_type: str = "audio/flac",
) -> ResponseLike:
    return client.post(
        f"/api/v1/stories/{story_id}/recordings",
        files={"file": (name, data, content_type)},
        headers=headers,
    )


def test_an_upload_is_stored_whole_and_described_from_its_bytes(
    client: TestClient,
    admin: dict[str, str],
    settings: Settings,
    sessions: sessionmaker[Session],
) -> None:
    story_id = new_story(client, admin)
    data = STORY_EN.read_bytes()
    # The declared name and type lie; the archive believes the bytes.
    response = client.post(
        f"/api/v1/stories/{story_id}/recordings",
        files={"file": ("notes.txt", data, "text/plain")},
        headers=admin,
    )
    assert response.status_code == 201, response.text
    recording = response.json()
    assert recording["story_id"] == story_id
    assert recording["sha256"] == hashlib.sha256(data).hexdigest()
    assert recording["size"] == len(data)
    assert recording["content_type"] == "audio/flac"
    assert recording["duration"] == pytest.approx(26.78, abs=0.05)
    assert recording["status"] == "queued"
    [stored] = stored_objects(settings.data_dir / "objects")
    assert stored.read_bytes() == data
    assert counts(sessions) == (1, 1)
    story = client.get(f"/api/v1/stories/{story_id}", headers=admin).json()
    assert [r["id"] for r in story["recordings"]] == [recording["id"]]


def test_opus_in_ogg_is_accepted(client: TestClient, admin: dict[str, str]) -> None:
    story_id = new_story(client, admin)
    response = upload(
        client,
        story_id,
        admin,
        "story.opus",
        STORY_EN_OPUS.read_bytes(),
        "application/octet-stream",
    )
    assert response.status_code == 201
    assert response.json()["content_type"] == "audio/ogg"


BAD_UPLOADS = [
    pytest.param(b"Dear archive, here is my story in words.\n" * 20, 415, id="plain-text"),
    pytest.param(
        b"#EXTM3U\n#EXT-X-VERSION:3\n#EXTINF:10,\nfile:///etc/passwd\n", 415, id="hls-playlist"
    ),
    pytest.param(b"ffconcat version 1.0\nfile '/etc/passwd'\n", 415, id="concat-list"),
    pytest.param(b"%PDF-1.7\n" + bytes(2000), 415, id="pdf"),
    pytest.param(b"", 422, id="empty"),
    pytest.param(STORY_EN.read_bytes()[:120_000], 422, id="truncated-flac"),
    pytest.param(b"fLaC" + bytes(5000), 422, id="corrupt-flac"),
    pytest.param(b"RIFF\x24\x00\x00\x00WAVEjunk" + bytes(200), 422, id="corrupt-wav"),
]


@pytest.mark.parametrize(("data", "status"), BAD_UPLOADS)
def test_what_is_not_a_whole_recording_is_refused_and_leaves_nothing(
    client: TestClient,
    admin: dict[str, str],
    settings: Settings,
    sessions: sessionmaker[Session],
    data: bytes,
    status: int,
) -> None:
    story_id = new_story(client, admin)
    response = upload(client, story_id, admin, "story.flac", data)
    problem = assert_problem(response, status)
    assert "upload" in problem["detail"].lower() or "export" in problem["detail"].lower()
    assert stored_objects(settings.data_dir / "objects") == []
    assert counts(sessions) == (0, 0)


def test_an_upload_over_the_limit_is_refused_by_its_declared_length(
    tmp_path: Path,
    settings: Settings,
    admin: dict[str, str],
) -> None:
    from archive.app import create_app

    small = settings.model_copy(update={"max_upload_bytes": 100_000})
    app = create_app(small)
    with TestClient(app, raise_server_exceptions=False) as client:
        story_id = new_story(client, admin)
        response = upload(client, story_id, admin, "story.flac", STORY_EN.read_bytes())
        assert "ARCHIVE_MAX_UPLOAD_BYTES" in assert_problem(response, 413)["detail"]
        assert stored_objects(small.data_dir / "objects") == []
        assert counts(app.state.sessions) == (0, 0)


def test_a_streamed_upload_is_cut_off_once_it_passes_the_limit(
    settings: Settings,
    admin: dict[str, str],
) -> None:
    """Without Content-Length (chunked), bytes are counted as they arrive; the answer comes
    long before the client could send the rest, which the server never reads."""
    from archive.app import create_app

    small = settings.model_copy(update={"max_upload_bytes": 200_000})
    app = create_app(small)
    boundary = "archive-test-boundary"
    with serving(app) as base_url:
        story_id = httpx.post(
            f"{base_url}/api/v1/stories", json={"title": "Big"}, headers=admin
        ).json()["id"]
        port = int(base_url.rsplit(":", 1)[1])
        head = (
            f"POST /api/v1/stories/{story_id}/recordings HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: {admin['Authorization']}\r\nTransfer-Encoding: chunked\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n\r\n"
        ).encode()
        preamble = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="big.flac"\r\n\r\n'
        ).encode()
        chunk = STORY_EN.read_bytes()[: 64 * 1024]
        sent, answer = 0, b""
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            conn.sendall(head + f"{len(preamble):x}\r\n".encode() + preamble + b"\r\n")
            conn.setblocking(False)
            deadline = time.monotonic() + 30
            while sent < 500 * 1024 * 1024 and time.monotonic() < deadline:
                readable, writable, _ = select.select([conn], [conn], [], 1.0)
                if readable:
                    answer = conn.recv(65536)
                    break
                if writable:
                    with contextlib.suppress(BlockingIOError):
                        sent += conn.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert b"application/problem+json" in answer
        assert sent < 20 * 1024 * 1024
        assert stored_objects(small.data_dir / "objects") == []
        assert counts(app.state.sessions) == (0, 0)


def test_a_form_without_the_file_field_says_how_to_send_it(
    client: TestClient, admin: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    story_id = new_story(client, admin)
    response = client.post(
        f"/api/v1/stories/{story_id}/recordings",
        files={"recording": ("a.flac", STORY_EN.read_bytes(), "audio/flac")},
        headers=admin,
    )
    assert "file=@" in assert_problem(response, 422)["detail"]
    not_a_form = client.post(
        f"/api/v1/stories/{story_id}/recordings",
        content=STORY_EN.read_bytes(),
        headers={**admin, "Content-Type": "audio/flac"},
    )
    assert_problem(not_a_form, 415)
    assert counts(sessions) == (0, 0)


def test_uploading_needs_a_token_a_right_and_a_story(
    client: TestClient,
    admin: dict[str, str],
    make_user: MakeUser,
    sessions: sessionmaker[Session],
    settings: Settings,
) -> None:
    story_id = new_story(client, admin)
    data = STORY_EN.read_bytes()
    assert_problem(upload(client, story_id, {}, "a.flac", data), 401)
    researcher = make_user("rita", Role.RESEARCHER)
    assert_problem(upload(client, story_id, researcher, "a.flac", data), 404)
    assert_problem(
        upload(client, "8a0c7a35-58a4-4d1c-9a5e-2f4f3c2e9b11", admin, "a.flac", data), 404
    )
    assert stored_objects(settings.data_dir / "objects") == []
    assert counts(sessions) == (0, 0)


def test_the_audio_is_served_with_ranges_for_seeking(
    client: TestClient, admin: dict[str, str]
) -> None:
    story_id = new_story(client, admin)
    data = STORY_EN.read_bytes()
    recording_id = upload(client, story_id, admin, "a.flac", data).json()["id"]
    whole = client.get(f"/api/v1/recordings/{recording_id}/audio")
    assert whole.status_code == 200
    assert whole.content == data
    assert whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["content-type"] == "audio/flac"
    part = client.get(
        f"/api/v1/recordings/{recording_id}/audio", headers={"Range": "bytes=1000-1999"}
    )
    assert part.status_code == 206
    assert part.content == data[1000:2000]
    assert part.headers["content-range"] == f"bytes 1000-1999/{len(data)}"
    tail = client.get(f"/api/v1/recordings/{recording_id}/audio", headers={"Range": "bytes=-10"})
    assert tail.content == data[-10:]
    outside = client.get(
        f"/api/v1/recordings/{recording_id}/audio", headers={"Range": f"bytes={len(data) + 5}-"}
    )
    assert_problem(outside, 416)
    assert outside.headers["content-range"] == f"bytes */{len(data)}"
