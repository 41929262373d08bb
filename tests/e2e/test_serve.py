"""The whole archive through `archive serve`, as a new user meets it."""

from __future__ import annotations

import hashlib
import io
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import srt
import webvtt

from support.paths import STORY_EN, story_facts
from support.serve import archive_serve, wait_for_workers, wait_until_ready

pytestmark = pytest.mark.slow
TOKEN = "e2e-admin-token-0123456789"


def test_upload_transcribe_search_and_listen_through_archive_serve(tmp_path: Path) -> None:
    admin = {"Authorization": f"Bearer {TOKEN}"}
    with archive_serve(tmp_path / "data", TOKEN) as served:
        url = served.url
        wait_for_workers(url, 1)
        story = httpx.post(
            f"{url}/api/v1/stories",
            headers=admin,
            json={
                "title": "When the river flooded",
                "access": "public",
                "languages": ["en"],
            },
        ).json()
        data = STORY_EN.read_bytes()
        uploaded = httpx.post(
            f"{url}/api/v1/stories/{story['id']}/recordings",
            headers=admin,
            files={"file": ("story_en.flac", data, "audio/flac")},
        )
        assert uploaded.status_code == 201, uploaded.text
        recording_id = uploaded.json()["id"]
        assert uploaded.json()["sha256"] == hashlib.sha256(data).hexdigest()

        recording = wait_until_ready(url, recording_id)
        assert recording["status"] == "ready", recording

        transcript = httpx.get(f"{url}/api/v1/recordings/{recording_id}/transcript").json()
        text = " ".join(s["text"] for s in transcript["segments"]).lower()
        assert "grandmother carried the seeds" in text
        assert "clay jar" in text

        facts = story_facts()
        found = httpx.get(f"{url}/api/v1/search", params={"q": '"stone bridge"'}).json()
        assert found["total"] == 1
        assert abs(found["hits"][0]["start"] - facts["phrase_start"]) < 2.0
        prefix = httpx.get(f"{url}/api/v1/search", params={"q": "terrac*"}).json()
        assert prefix["total"] == 1
        assert "<mark>terraces</mark>" in prefix["hits"][0]["highlight"]

        vtt = httpx.get(
            f"{url}/api/v1/recordings/{recording_id}/transcript", params={"format": "vtt"}
        )
        assert vtt.headers["content-type"].startswith("text/vtt")
        captions = webvtt.from_buffer(io.StringIO(vtt.text))
        assert len(captions) == len(transcript["segments"])
        assert any("stone bridge" in c.text.lower() for c in captions.captions)
        srt_text = httpx.get(
            f"{url}/api/v1/recordings/{recording_id}/transcript", params={"format": "srt"}
        ).text
        subtitles = list(srt.parse(srt_text))
        assert [round(s.start.total_seconds(), 2) for s in subtitles] == [
            round(s["start"], 2) for s in transcript["segments"]
        ]
        txt = httpx.get(
            f"{url}/api/v1/recordings/{recording_id}/transcript", params={"format": "txt"}
        ).text
        assert "clay jar" in txt.lower()

        part = httpx.get(
            f"{url}/api/v1/recordings/{recording_id}/audio", headers={"Range": "bytes=100-4195"}
        )
        assert part.status_code == 206
        assert part.content == data[100:4196]

        health = httpx.get(f"{url}/api/v1/health").json()
        assert health["status"] == "ok"
        assert health["workers"]["jobs"] == {"done": 2}
        served.process.send_signal(signal.SIGINT)
        assert served.process.wait(timeout=40) == 0


def test_users_create_prints_a_token_that_works(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    created = subprocess.run(
        [sys.executable, "-m", "archive", "users", "create", "ana", "--role", "archivist"],
        env={"ARCHIVE_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    token = created.stdout.strip().rsplit(" ", 1)[-1]
    assert token.startswith("arch_")
    with archive_serve(data_dir, TOKEN, workers=0) as served:
        response = httpx.post(
            f"{served.url}/api/v1/stories",
            json={"title": "x"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 201


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ARCHIVE_DATABASE_URL", "mysql://x"),
        ("ARCHIVE_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/archive"),
        ("ARCHIVE_STORAGE_URL", "ftp://x"),
        ("ARCHIVE_STORAGE_URL", "s3://"),
        ("ARCHIVE_STORAGE_URL", "s3://recordings/archive"),
        ("ARCHIVE_SEARCH_URL", "solr"),
        ("ARCHIVE_SEARCH_URL", "http://127.0.0.1:9"),
        ("ARCHIVE_WORKERS", "many"),
    ],
)
@pytest.mark.parametrize("command", ["serve", "worker"])
def test_a_wrong_setting_stops_the_start_with_one_clear_line(
    tmp_path: Path, name: str, value: str, command: str
) -> None:
    env = {
        "ARCHIVE_DATA_DIR": str(tmp_path),
        name: value,
        "PATH": "/usr/bin:/bin",
        # An S3 store nobody answers for: connection refused at once.
        "ARCHIVE_S3_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "y",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    result = subprocess.run(
        [sys.executable, "-m", "archive", command],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert name in lines[0]


def _children_of(pid: int) -> set[int]:
    """The live processes whose parent is `pid`, read from /proc."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def _running(command: str, pids: set[int]) -> set[int]:
    """Those of `pids` whose command line holds `command`."""
    found = set()
    for pid in pids:
        try:
            line = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if command in line:
            found.add(pid)
    return found


def _alive(pid: int) -> bool:
    """Running (a zombie, dead but not yet reaped by whoever adopted it, is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stopping_archive_serve_stops_its_workers(
    tmp_path: Path, stop_signal: signal.Signals
) -> None:
    extra = {"ARCHIVE_SEARCH_PROCESSES": "2"}
    with archive_serve(tmp_path / "data", TOKEN, workers=2, extra_env=extra) as served:
        wait_for_workers(served.url, 3)  # two that transcribe, and the fast lane's
        workers = _children_of(served.process.pid)
        assert len(_running("archive worker", workers)) == 3, workers
        assert len(_running("spawn_main", workers)) == 2, workers  # the search processes
        served.process.send_signal(stop_signal)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
            time.sleep(0.2)
        assert not [pid for pid in workers if _alive(pid)], served.log.read_text()[-3000:]
        assert served.process.wait(timeout=5) in (0, 128 + stop_signal, -stop_signal)


def test_workers_of_an_archive_serve_that_was_killed_stop_by_themselves(tmp_path: Path) -> None:
    """SIGKILL (or the kernel's out-of-memory killer) gives `archive serve` no chance to stop
    its workers: each notices its parent is gone, hands back its job and exits; each search
    process ends when the pipe it answers on closes."""
    extra = {"ARCHIVE_SEARCH_PROCESSES": "2"}
    with archive_serve(tmp_path / "data", TOKEN, workers=1, extra_env=extra) as served:
        wait_for_workers(served.url, 2)  # one that transcribes, and the fast lane's
        workers = _children_of(served.process.pid)
        assert len(_running("archive worker", workers)) == 2, workers
        assert len(_running("spawn_main", workers)) == 2, workers  # the search processes
        served.process.kill()
        served.process.wait(timeout=5)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
            time.sleep(0.2)
        assert not [pid for pid in workers if _alive(pid)], served.log.read_text()[-3000:]


def test_several_http_processes_answer_and_share_the_sign_in_limit(tmp_path: Path) -> None:
    """With ARCHIVE_HTTP_PROCESSES=2 each process keeps its share of a rate limit, so a
    guesser spreading attempts over connections (and so over processes) still meets the
    limit of one (5 attempts per name: at most 3 in each process); stopping stops them all."""
    extra = {"ARCHIVE_HTTP_PROCESSES": "2"}
    with archive_serve(tmp_path / "data", TOKEN, workers=0, extra_env=extra) as served:
        wait_for_workers(served.url, 1)  # the fast lane's
        processes = _children_of(served.process.pid)
        answers = []
        for _ in range(12):  # a new connection each time, as a guesser's many clients
            answers.append(
                httpx.post(
                    f"{served.url}/api/v1/auth/login",
                    json={"username": "rosa", "password": "a wrong guess here"},
                ).status_code
            )
        assert set(answers) == {401, 429}, answers
        assert 3 <= answers.count(401) <= 6, answers
        found = httpx.get(f"{served.url}/api/v1/search", params={"q": "river"})
        assert found.status_code == 200
        assert found.json()["total"] == 0
        served.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(_alive(pid) for pid in processes):
            time.sleep(0.2)
        assert not [pid for pid in processes if _alive(pid)], served.log.read_text()[-3000:]
        assert served.process.wait(timeout=5) in (0, 128 + signal.SIGTERM, -signal.SIGTERM)
