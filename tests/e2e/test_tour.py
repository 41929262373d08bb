"""README's tour, as `docs/tour.sh` runs it, against a real `archive serve` started with no
administrator: every step does what the README says, and nothing lands in the checkout."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from support.paths import STORY_EN
from support.serve import archive_serve, wait_for_workers

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
TOUR = REPO / "docs" / "tour.sh"
BEGINS = "# --- tour begins ---\n"


def sections(output: str) -> dict[str, str]:
    """The tour's output by step: the text after each `## name` line."""
    parts = re.split(r"^## (.+)$", output, flags=re.M)
    return {name.strip(): text.strip() for name, text in zip(parts[1::2], parts[2::2], strict=True)}


def json_lines(text: str) -> list[Any]:
    return [json.loads(line) for line in text.splitlines() if line.startswith(("{", "["))]


def checkout_state() -> tuple[str, bool]:
    """What git sees changed or new in the checkout, and whether ./archive-data (which git
    ignores) is there. Other ignored files are left out: test tools write caches meanwhile."""
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return status, (REPO / "archive-data").exists()


def test_the_readme_shows_the_tour_as_it_runs() -> None:
    body = TOUR.read_text().split(BEGINS, 1)[1].rstrip()
    assert f"```sh\n{body}\n```" in (REPO / "README.md").read_text()


def test_the_tour_runs_top_to_bottom_against_archive_serve(tmp_path: Path) -> None:
    before = checkout_state()
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    with archive_serve(tmp_path / "data", "tour-admin-token-0123456789") as served:
        wait_for_workers(served.url, 2)
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("ARCHIVE_")  # the tour needs no admin token
        }
        env |= {
            "API": f"{served.url}/api/v1",
            "ARCHIVE_BIN": str(Path(sys.executable).parent / "archive"),
            "ARCHIVE_DATA_DIR": str(tmp_path / "data"),
            "TMPDIR": str(scratch),
        }
        run = subprocess.run(
            ["bash", str(TOUR)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert run.returncode == 0, f"{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    steps = sections(run.stdout)
    assert list(steps) == [
        "account",
        "story",
        "recording",
        "status",
        "transcript",
        "captions",
        "search",
        "listen",
        "upload link",
        "resumable upload",
        "review",
        "health",
    ]

    [me] = json_lines(steps["account"])
    assert me["role"] == "archivist"
    assert f"user {me['username']} (archivist)" in steps["account"]

    [story] = json_lines(steps["story"])
    assert (story["status"], story["access"]) == ("published", "public")

    [recording] = json_lines(steps["recording"])
    assert recording["story_id"] == story["id"]
    assert recording["sha256"] == hashlib.sha256(STORY_EN.read_bytes()).hexdigest()

    [status] = json_lines(steps["status"])
    assert status["status"] == "ready", status

    [transcript] = json_lines(steps["transcript"])
    segments = transcript["segments"]
    text = " ".join(s["text"] for s in segments).lower()
    assert "grandmother carried the seeds" in text
    # the sentence Whisper mishears ("...with oak from the old mill") is the least sure
    least = min(segments, key=lambda s: s["confidence"])
    assert "old mill" in least["text"], [(s["text"], s["confidence"]) for s in segments]

    assert steps["captions"].startswith("WEBVTT")
    assert "stone bridge" in steps["captions"].lower()

    [found] = json_lines(steps["search"])
    assert found["total"] == 1
    assert found["hits"][0]["recording_id"] == recording["id"]
    assert "<mark>stone bridge</mark>" in found["hits"][0]["highlight"]

    assert steps["listen"] == "206 audio/flac 65536 bytes"

    collection, link = json_lines(steps["upload link"])
    assert link["collection_id"] == collection["id"]
    assert link["url"].endswith(f"/contribute#{link['token']}")

    upload = steps["resumable upload"].lower()
    assert upload.startswith("http/1.1 201 created")
    assert "http/1.1 200 ok" in upload
    assert "archive-recording-id:" in upload

    [review] = json_lines(steps["review"])
    [waiting] = review["items"]
    assert (waiting["title"], waiting["status"]) == ("The seeds", "submitted")
    assert waiting["has_consent"] is True
    assert waiting["upload_link_id"] == link["id"]

    [health] = json_lines(steps["health"])
    assert health["status"] == "ok"

    assert list(scratch.iterdir()) == []  # its temporary directory is gone
    assert checkout_state() == before
