"""`archive import-folder --url` against a real `archive serve`: stories made through the
API, bytes sent through tus, killed half-way at two steps and run again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from archive.db.session import create_db_engine, create_session_factory, transaction
from archive.faults import ENVIRONMENT_VARIABLE, EXIT_STATUS
from archive.imports import remote
from archive.imports.remote import STATE_FILE, RemoteImport
from archive.models import Story, StoryPerson
from archive.settings import Settings
from support.import_folder import GOOD_FILES, make_collection
from support.paths import STORY_EN
from support.serve import archive_serve

pytestmark = pytest.mark.slow
TOKEN = "import-admin-token-0123456789"


def run_cli(url: str, *args: str, fault: str | None = None) -> int:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ARCHIVE_")}
    env["ARCHIVE_LOG_LEVEL"] = "WARNING"
    if fault is not None:
        env[ENVIRONMENT_VARIABLE] = fault
    done = subprocess.run(
        [sys.executable, "-m", "archive", "import-folder", *args, "--url", url],
        env={**env, "ARCHIVE_IMPORT_TOKEN": TOKEN},
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode in (0, 1, EXIT_STATUS), done.stderr.decode()[-3000:]
    return done.returncode


def served_stories(data_dir: Path) -> list[Story]:
    engine = create_db_engine(Settings(data_dir=data_dir))
    try:
        with transaction(create_session_factory(engine)) as session:
            return list(
                session.scalars(
                    select(Story).options(
                        selectinload(Story.recordings),
                        selectinload(Story.people).selectinload(StoryPerson.person),
                    )
                )
            )
    finally:
        engine.dispose()


def test_a_remote_import_killed_half_way_runs_again_to_every_good_file_exactly_once(
    tmp_path: Path,
) -> None:
    folder, metadata = make_collection(tmp_path)
    data_dir = tmp_path / "served"
    report_file = tmp_path / "report.json"
    args = (str(folder), "--metadata", str(metadata))
    with archive_serve(data_dir, TOKEN, workers=0) as served:
        # Killed with the first story made and none of its bytes sent.
        assert run_cli(served.url, *args, fault="import.remote-story-created") == EXIT_STATUS
        made = served_stories(data_dir)
        assert [(s.title, len(s.recordings)) for s in made] == [("The stone bridge", 0)]
        # Run again: the same story gets its bytes; killed once that recording is made.
        assert run_cli(served.url, *args, fault="import.remote-recording-made") == EXIT_STATUS
        made = served_stories(data_dir)
        assert [(s.title, len(s.recordings)) for s in made] == [("The stone bridge", 1)]
        # And again, to the end.
        assert run_cli(served.url, *args, "--report", str(report_file)) == 1
        made = served_stories(data_dir)
    report: dict[str, Any] = json.loads(report_file.read_text())
    assert {item["file"] for item in report["imported"]} == GOOD_FILES - {"tapes/bridge.opus"}
    refused = {item["row"]: item for item in report["refused"]}
    assert set(refused) == {4, 5, 7}
    assert "'secret' is not one of" in refused[4]["reason"]
    assert "no month 13" in refused[5]["reason"]
    assert "not a recording" in refused[7]["reason"]
    skipped = {item["file"]: item["reason"] for item in report["skipped"]}
    assert skipped["tapes/bridge.opus"].startswith("sent before: recording")
    assert skipped["tapes/flood_copy.flac"].startswith("sent before: recording")
    assert STATE_FILE not in skipped

    by_file = {s.recordings[0].original_filename: s for s in made}
    assert len(made) == 4
    assert all(len(s.recordings) == 1 for s in made)
    assert set(by_file) == {Path(name).name for name in GOOD_FILES}
    flood = by_file["flood.flac"]
    assert (flood.title, flood.recorded_date, flood.place, flood.access) == (
        "When the river flooded",
        "1952-06",
        "Valley",
        "public",
    )
    assert sorted((p.person.name, p.role) for p in flood.people) == [
        ("Ana Lima", "narrator"),
        ("Ben Ortiz", "narrator"),
        ("Cora Diaz", "interviewer"),
    ]
    assert len({person.person_id for s in made for person in s.people}) == 3


class StopAfter:
    """The person presses Ctrl-C once `limit` bytes have been sent."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.sent = 0

    def begin(self, *, files: int, total_bytes: int) -> None:
        pass

    def advance(self, *, done_bytes: int) -> None:
        self.sent += done_bytes
        if self.sent >= self.limit:
            raise KeyboardInterrupt

    def file_done(self, file: str) -> None:
        pass


def test_an_upload_cut_off_mid_file_resumes_from_the_offset_the_archive_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "tapes"
    folder.mkdir()
    (folder / "flood.flac").write_bytes(STORY_EN.read_bytes())
    size = STORY_EN.stat().st_size
    monkeypatch.setattr(remote, "UPLOAD_CHUNK_BYTES", 64 * 1024)
    data_dir = tmp_path / "served"
    with archive_serve(data_dir, TOKEN, workers=0) as served:
        request = RemoteImport(folder=folder, url=served.url, token=TOKEN)
        with pytest.raises(KeyboardInterrupt):
            remote.import_folder_remote(request, progress=StopAfter(3 * 64 * 1024))
        (sent,) = json.loads((folder / STATE_FILE).read_text())["archives"][served.url].values()
        assert "recording_id" not in sent
        head = httpx.head(
            sent["upload"], headers={"Tus-Resumable": "1.0.0", "Authorization": f"Bearer {TOKEN}"}
        )
        assert int(head.headers["Upload-Offset"]) == 3 * 64 * 1024

        counted = StopAfter(10 * size)
        report = remote.import_folder_remote(request, progress=counted)
        assert [item.file for item in report.imported] == ["flood.flac"]
        assert counted.sent == size  # the held bytes counted once, the rest sent once
        made = served_stories(data_dir)
    (again,) = json.loads((folder / STATE_FILE).read_text())["archives"][served.url].values()
    assert again["upload"] == sent["upload"]
    assert [(s.id, len(s.recordings)) for s in made] == [(uuid.UUID(sent["story_id"]), 1)]
    assert made[0].recordings[0].size == size
