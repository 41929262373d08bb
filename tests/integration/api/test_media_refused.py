"""Media that no real recording looks like is refused at upload with a detail that says what
to upload instead; what is accepted is served back as the type the probe found, never to be
sniffed by a browser."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from support.problems import ResponseLike, assert_problem


def wav(
    payload: bytes, *, channels: int = 1, rate: int = 16_000, bits: int = 16, tag: int = 1
) -> bytes:
    """A canonical WAV header (PCM unless `tag` says another codec), with its sizes right, in
    front of `payload`."""
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", len(body)) + body


def sox(tmp_path: Path, name: str, *options: str) -> bytes:
    path = tmp_path / name
    subprocess.run(
        ["sox", "-n", *options, str(path), "synth", "1", "sine", "440", "gain", "-6"],
        check=True,
        capture_output=True,
    )
    return path.read_bytes()


def upload(client: TestClient, admin: dict[str, str], name: str, data: bytes) -> ResponseLike:
    story = client.post("/api/v1/stories", headers=admin, json={"title": name}).json()
    return client.post(
        f"/api/v1/stories/{story['id']}/recordings",
        headers=admin,
        files={"file": (name, data, "audio/wav")},
    )


PHP = b"<?php system($_GET['c']); ?>\n" * 2000
PLAYLIST = b"#EXTM3U\n#EXTINF:-1,river\nhttp://127.0.0.1:9/x\n" * 1000
TEXT = b"Once upon a time, by the river, there lived a fisherman and his wife.\n" * 500


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (wav(PHP), "PHP script"),
        (wav(PLAYLIST), "playlist"),
        (wav(TEXT), "plain text"),
        (wav(bytes(255 * 2 * 1600), channels=255), "255 channels"),
        (wav(bytes(64_000), rate=100), "100 Hz"),
        (wav(bytes(64_000), rate=4_000_000), "4,000,000 Hz"),
        (wav(bytes(range(256)) * 100, tag=0x0999), "no format we can decode"),
    ],
    ids=["php", "playlist", "text", "255-channels", "100-hz", "4-ghz", "unknown-codec"],
)
def test_what_no_recording_looks_like_is_refused_at_upload(
    client: TestClient, admin: dict[str, str], data: bytes, said: str
) -> None:
    body = assert_problem(upload(client, admin, "x.wav", data), 422)
    assert said in body["detail"]
    assert "Upload" in body["detail"] or "upload" in body["detail"]
    assert "WAV or FLAC" in body["detail"]


def test_a_sox_recording_with_too_many_channels_is_refused(
    client: TestClient, admin: dict[str, str], tmp_path: Path
) -> None:
    data = sox(tmp_path, "many.wav", "-r", "8000", "-c", "65")
    body = assert_problem(upload(client, admin, "many.wav", data), 422)
    assert "65 channels" in body["detail"]


@pytest.mark.parametrize(
    ("name", "options", "content_type"),
    [
        ("mono.wav", ("-r", "16000", "-c", "1"), "audio/wav"),
        ("eight-bit.wav", ("-r", "8000", "-c", "1", "-b", "8"), "audio/wav"),
        ("surround.flac", ("-r", "48000", "-c", "6"), "audio/flac"),
    ],
)
def test_real_recordings_are_served_as_the_probed_type_with_nosniff(
    client: TestClient,
    admin: dict[str, str],
    tmp_path: Path,
    name: str,
    options: tuple[str, ...],
    content_type: str,
) -> None:
    data = sox(tmp_path, name, *options)
    uploaded = upload(client, admin, name, data)
    assert uploaded.status_code == 201, uploaded.text
    recording = uploaded.json()
    assert recording["content_type"] == content_type
    audio = client.get(f"/api/v1/recordings/{recording['id']}/audio", headers=admin)
    assert audio.status_code == 200
    assert audio.headers["content-type"] == content_type
    assert audio.headers["x-content-type-options"] == "nosniff"
    assert audio.content == data
