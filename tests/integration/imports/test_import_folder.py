"""`archive import-folder` on this archive's own database (both) and store: a folder with a
spreadsheet, killed half-way at two different steps and run again until it finishes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from archive.accounts.service import create_user_with_token
from archive.backends import Backends
from archive.db.session import create_db_engine, create_session_factory, transaction
from archive.domain.access import Role
from archive.errors import Forbidden, Unprocessable
from archive.faults import ENVIRONMENT_VARIABLE, EXIT_STATUS
from archive.imports import service as import_service
from archive.imports.folder import FolderImport, NoProgress, import_folder
from archive.models import Event, Job, Person, Recording, Story, StoryPerson
from archive.settings import Settings
from archive.storage.factory import open_object_store
from archive.storage.spool import Spool
from support.import_folder import GOOD_FILES, make_collection


@pytest.fixture
def backends(settings: Settings) -> Iterator[Backends]:
    engine = create_db_engine(settings)
    sessions = create_session_factory(engine)
    with transaction(sessions) as session:
        create_user_with_token(session, "ana", role=Role.ADMIN)
        create_user_with_token(session, "rita", role=Role.RESEARCHER)
    yield Backends(sessions, open_object_store(settings), Spool(settings.spool_dir), settings)
    engine.dispose()


def run_cli(settings: Settings, *args: str, fault: str | None = None) -> int:
    env = {
        **os.environ,
        "ARCHIVE_DATA_DIR": str(settings.data_dir),
        "ARCHIVE_DATABASE_URL": settings.database_url,
        "ARCHIVE_LOG_LEVEL": "WARNING",
    }
    env.pop(ENVIRONMENT_VARIABLE, None)
    if fault is not None:
        env[ENVIRONMENT_VARIABLE] = fault
    done = subprocess.run(
        [sys.executable, "-m", "archive", "import-folder", *args],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode in (0, 1, EXIT_STATUS), done.stderr.decode()[-3000:]
    return done.returncode


def stored_objects(settings: Settings) -> set[str]:
    root = settings.data_dir / "objects"
    return {
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and ".partial" not in path.parts
    }


def stories(sessions: sessionmaker[Session]) -> list[Story]:
    with transaction(sessions) as session:
        return list(
            session.scalars(
                select(Story).options(
                    selectinload(Story.recordings),
                    selectinload(Story.people).selectinload(StoryPerson.person),
                )
            )
        )


def test_an_import_killed_half_way_runs_again_to_every_good_file_exactly_once(
    tmp_path: Path, settings: Settings, backends: Backends
) -> None:
    folder, metadata = make_collection(tmp_path)
    report_file = tmp_path / "report.json"
    args = (str(folder), "--metadata", str(metadata), "--as", "ana")
    sessions = backends.sessions

    # Killed right after its first recording is committed (broken.flac, refused, came first).
    assert run_cli(settings, *args, fault="import.recording-committed") == EXIT_STATUS
    assert [s.title for s in stories(sessions)] == ["The stone bridge"]
    # Killed again with the next file's bytes stored but no story made of them yet.
    assert run_cli(settings, *args, fault="import.object-stored") == EXIT_STATUS
    assert len(stories(sessions)) == 1
    assert len(stored_objects(settings)) == 2  # the object left behind by the kill

    # Run again: it finishes. Refused rows make the exit status 1.
    assert run_cli(settings, *args, "--report", str(report_file)) == 1
    report: dict[str, Any] = json.loads(report_file.read_text())
    assert {item["file"] for item in report["imported"]} == GOOD_FILES - {"tapes/bridge.opus"}
    assert report["without_metadata"] == ["tone4.flac"]
    refused = {item["row"]: (item["file"], item["reason"]) for item in report["refused"]}
    assert set(refused) == {4, 5, 7}
    assert refused[4][0] == "tone1.flac"
    assert "'secret' is not one of public, community, restricted, private" in refused[4][1]
    assert refused[5][0] == "tone2.flac"
    assert "no month 13" in refused[5][1]
    assert refused[7][0] == "broken.flac"
    assert "not a recording" in refused[7][1]
    skipped = {item["file"]: item["reason"] for item in report["skipped"]}
    assert skipped["tapes/bridge.opus"].startswith("already in the archive as recording")
    assert skipped["tapes/flood_copy.flac"].startswith("already in the archive as recording")
    assert skipped["tone1.flac"] == skipped["tone2.flac"] == "its metadata row was refused"
    assert skipped["notes.txt"] == "not an audio or video file (by its name)"
    assert ".DS_Store" not in skipped

    # Every good file exactly once, each story whole, nothing else in the store.
    made = {s.recordings[0].original_filename: s for s in stories(sessions)}
    assert set(made) == GOOD_FILES
    assert all(len(s.recordings) == 1 for s in made.values())
    recordings = [s.recordings[0] for s in made.values()]
    assert len({r.sha256 for r in recordings}) == 4
    assert stored_objects(settings) == {r.object_key for r in recordings}
    flood = made["tapes/flood.flac"]
    assert (flood.title, flood.description, flood.access, flood.status) == (
        "When the river flooded",
        "Told at the mill",
        "public",
        "published",
    )
    assert (flood.recorded_date, flood.place, flood.languages, flood.subjects) == (
        "1952-06",
        "Valley",
        ["en"],
        ["rivers", "floods"],
    )
    assert sorted((p.person.name, p.role) for p in flood.people) == [
        ("Ana Lima", "narrator"),
        ("Ben Ortiz", "narrator"),
        ("Cora Diaz", "interviewer"),
    ]
    assert made["tone4.flac"].title == "tone4"
    assert made["tone3.flac"].recorded_date == "1990"
    with transaction(sessions) as session:
        assert len(session.scalars(select(Person).where(Person.name == "Ana Lima")).all()) == 1
        jobs = session.scalars(select(Job).where(Job.kind == "transcribe")).all()
        assert len(jobs) == 4
        events = session.scalars(select(Event)).all()
        imported = [e for e in events if e.action == "story.imported"]
        assert len(imported) == 4
        ana = {e.actor_id for e in imported}
        assert len(ana) == 1
        assert None not in ana
        assert [e.action for e in events].count("import.finished") == 1


def test_a_story_that_cannot_be_made_leaves_no_stored_bytes(
    tmp_path: Path, settings: Settings, backends: Backends, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, metadata = make_collection(tmp_path)
    real = import_service.import_file

    def refuse_the_flood(session: Session, *args: Any, **kwargs: Any) -> Recording:
        if kwargs["received"].filename == "tapes/flood.flac":
            raise Unprocessable("The archive refused this story.")
        recording: Recording = real(session, *args, **kwargs)
        return recording

    monkeypatch.setattr(import_service, "import_file", refuse_the_flood)
    report = import_folder(
        backends,
        FolderImport(folder=folder, username="ana", metadata=metadata),
        progress=NoProgress(),
    )
    refused = {r.file: (r.row, r.reason) for r in report.refused}
    assert refused["tapes/flood.flac"] == (2, "The archive refused this story.")
    made = stories(backends.sessions)
    assert "When the river flooded" not in {s.title for s in made}
    assert stored_objects(settings) == {s.recordings[0].object_key for s in made}
    # The copy of the same bytes, with no row, comes in instead.
    assert "tapes/flood_copy.flac" in {i.file for i in report.imported}


def test_only_an_archivist_of_the_community_or_an_administrator_imports(
    tmp_path: Path, backends: Backends
) -> None:
    folder, _ = make_collection(tmp_path)
    with pytest.raises(Forbidden, match="Only an archivist of the community"):
        import_folder(backends, FolderImport(folder=folder, username="rita"), progress=NoProgress())
    with pytest.raises(Unprocessable, match="There is no user 'nobody'"):
        import_folder(
            backends, FolderImport(folder=folder, username="nobody"), progress=NoProgress()
        )
    assert stories(backends.sessions) == []
