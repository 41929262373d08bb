"""BagIt export and import: a community's stories leave as bags the Library of Congress
`bagit` library validates, and come back into an empty archive (another database, another
store) as the same stories, row for row and byte for byte. A tampered bag is refused, naming
each bad file, and leaves nothing behind. A masked bag keeps restricted parts back."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bagit
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from archive.bags import reading
from archive.bags.restore import USER_COLUMNS
from archive.bags.rows import to_json
from archive.cli import app as cli
from archive.db.session import transaction
from archive.domain.access import Role
from archive.jobs.worker import Worker
from archive.models import (
    Consent,
    Event,
    Person,
    Recording,
    Restriction,
    Segment,
    Story,
    StoryPerson,
    Transcript,
)
from archive.settings import Settings
from archive.tasks import job_handlers
from support.accounts import MakeUser
from support.community_world import move_to
from support.paths import STORY_EN
from support.stories import story_with_recording

Headers = dict[str, str]
TABLES: list[type[Any]] = [
    Story,
    Consent,
    Person,
    StoryPerson,
    Recording,
    Transcript,
    Segment,
    Restriction,
    Event,
]


def coast_story(
    client: TestClient, admin: Headers, make_user: MakeUser, sessions: sessionmaker[Session]
) -> tuple[Headers, str, str, str]:
    """A story of the Coast community with a narrator, a transcript of two versions (its
    segments in two languages) and an English translation, a restricted span with its reason,
    and a consent document; returns (archivist, community, story, recording)."""
    coast = client.post("/api/v1/communities", headers=admin, json={"name": "Coast"}).json()["id"]
    archivist = make_user("ana", Role.ARCHIVIST)
    move_to(client, admin, archivist, leave=None, join=coast, role="archivist")
    person = client.post(
        "/api/v1/people", headers=archivist, json={"name": "Rosa Quispe", "community_id": coast}
    )
    assert person.status_code == 201, person.text
    story_id, recording_id = story_with_recording(
        client,
        archivist,
        title="The harbour in 1952",
        access="community",
        community_id=coast,
        recorded_date="1952-06",
        people=[{"person_id": person.json()["id"], "role": "narrator"}],
        consent={"given_by": "Rosa Quispe", "listen": "community", "searchable": True},
    )
    with transaction(sessions) as session:
        for version, word in ((1, "carried"), (2, "carried up")):
            transcript = Transcript(
                recording_id=uuid.UUID(recording_id),
                version=version,
                source="machine",
                language="en",
            )
            transcript.segments = [
                Segment(position=0, start=0.0, end=2.0, text=f"She {word} the seeds."),
                Segment(
                    position=1, start=2.0, end=4.0, text="Words kept for the family.", language="es"
                ),
            ]
            session.add(transcript)
        translation = Transcript(
            recording_id=uuid.UUID(recording_id),
            kind="translation",
            version=1,
            source="machine",
            language="en",
        )
        translation.segments = [
            Segment(position=0, start=0.0, end=2.0, text="Translated: she carried the seeds."),
            Segment(position=1, start=2.0, end=4.0, text="Translated family words."),
        ]
        session.add(translation)
        recording = session.get(Recording, uuid.UUID(recording_id))
        assert recording is not None
        recording.detected_languages = [
            {"language": "en", "probability": 0.9},
            {"language": "es", "probability": 0.1},
        ]
        story = session.get(Story, uuid.UUID(story_id))
        assert story is not None
        story.translate = True
    restricted = client.post(
        f"/api/v1/recordings/{recording_id}/restrictions",
        headers=archivist,
        json={"start": 2.0, "end": 4.0, "reason": "Family words"},
    )
    assert restricted.status_code == 201, restricted.text
    document = client.post(
        f"/api/v1/stories/{story_id}/consent/document",
        headers=archivist,
        files={"file": ("consent.flac", STORY_EN.read_bytes())},
    )
    assert document.status_code == 200, document.text
    return archivist, coast, story_id, recording_id


def rows(url: str) -> dict[str, list[dict[str, Any]]]:
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            found = {}
            for model in TABLES:
                found[model.__tablename__] = sorted(
                    (to_json(r) for r in session.scalars(select(model))), key=repr
                )
            return found
    finally:
        engine.dispose()


def without(table: list[dict[str, Any]], *, actions: set[str]) -> list[dict[str, Any]]:
    return [r for r in table if r.get("action") not in actions]


def differences(
    after: list[dict[str, Any]], before: list[dict[str, Any]]
) -> list[tuple[str, Any, Any]]:
    return [
        (key, a.get(key), b.get(key))
        for a, b in zip(after, before, strict=False)
        for key in a.keys() | b.keys()
        if a.get(key) != b.get(key)
    ]


def accountless(table: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Accounts do not travel in bags: a reference to one this archive lacks is emptied."""
    return [{k: v for k, v in row.items() if k not in USER_COLUMNS} for row in table]


def cli_env(settings: Settings) -> dict[str, str]:
    return {
        "ARCHIVE_DATA_DIR": str(settings.data_dir),
        "ARCHIVE_DATABASE_URL": settings.database_url,
    }


def test_a_community_leaves_as_bags_and_comes_back_whole_in_an_empty_archive(
    client: TestClient,
    admin: Headers,
    make_user: MakeUser,
    sessions: sessionmaker[Session],
    settings: Settings,
    tmp_path: Path,
) -> None:
    _, coast, story_id, recording_id = coast_story(client, admin, make_user, sessions)
    out = tmp_path / "bags"
    exported = CliRunner().invoke(
        cli, ["export", "--community", coast, "--out", str(out)], env=cli_env(settings)
    )
    assert exported.exit_code == 0, exported.output
    bag_dir = out / f"story-{story_id}"
    bag = bagit.Bag(str(bag_dir))
    bag.validate()
    assert bag.info["Source-Organization"] == "Coast"
    assert (bag_dir / f"data/recordings/{recording_id}/original.flac").read_bytes() == (
        STORY_EN.read_bytes()
    )
    assert (
        "She carried up the seeds."
        in (bag_dir / f"data/recordings/{recording_id}/transcript-v2.vtt").read_text()
    )
    assert (
        "She carried the seeds."
        in (bag_dir / f"data/recordings/{recording_id}/transcript-v1.vtt").read_text()
    )
    assert (
        "Translated: she carried the seeds."
        in (bag_dir / f"data/recordings/{recording_id}/translation-v1.vtt").read_text()
    )
    assert (bag_dir / "data/metadata/dublin-core.xml").read_text().count("Rosa Quispe") == 1
    before = rows(settings.database_url)

    target = Settings(data_dir=tmp_path / "elsewhere")
    imported = CliRunner().invoke(cli, ["import", str(bag_dir)], env=cli_env(target))
    assert imported.exit_code == 0, imported.output
    assert f"imported: {bag_dir}" in imported.output

    after = rows(target.database_url)
    for table in before:
        if table in ("events", "people"):
            continue
        assert accountless(after[table]) == accountless(before[table]), (
            table,
            differences(after[table], before[table]),
        )
        assert all(row.get(c) is None for row in after[table] for c in USER_COLUMNS)
    people = {link["person_id"] for link in before["story_people"]}
    assert accountless(after["people"]) == accountless(
        [p for p in before["people"] if p["id"] in people]
    )
    story_events = [e for e in before["events"] if e["subject_id"] in (story_id, recording_id)]
    assert accountless(without(after["events"], actions={"story.imported"})) == accountless(
        without(story_events, actions={"story.exported"})
    )
    stored = target.data_dir / "objects" / "originals" / story_id / recording_id
    assert (
        hashlib.sha256(stored.read_bytes()).hexdigest()
        == hashlib.sha256(STORY_EN.read_bytes()).hexdigest()
    )
    again = CliRunner().invoke(cli, ["import", str(bag_dir)], env=cli_env(target))
    assert again.exit_code == 0
    assert f"skipped: {bag_dir}" in again.output


def test_a_tampered_bag_is_refused_naming_each_bad_file_and_leaves_nothing(
    client: TestClient,
    admin: Headers,
    make_user: MakeUser,
    sessions: sessionmaker[Session],
    settings: Settings,
    tmp_path: Path,
) -> None:
    _, _, story_id, recording_id = coast_story(client, admin, make_user, sessions)
    out = tmp_path / "bags"
    CliRunner().invoke(cli, ["export", story_id, "--out", str(out)], env=cli_env(settings))
    bag_dir = out / f"story-{story_id}"
    original = bag_dir / f"data/recordings/{recording_id}/original.flac"
    data = bytearray(original.read_bytes())
    data[len(data) // 2] ^= 1
    original.write_bytes(bytes(data))
    (bag_dir / f"data/recordings/{recording_id}/transcript-v1.vtt").unlink()

    target = Settings(data_dir=tmp_path / "elsewhere")
    refused = CliRunner().invoke(cli, ["import", str(bag_dir)], env=cli_env(target))

    assert refused.exit_code == 1
    assert "refused" in refused.output
    assert "original.flac" in refused.output
    assert "transcript-v1.vtt" in refused.output
    assert rows(target.database_url)["stories"] == []
    assert not [p for p in (target.data_dir / "objects").rglob("*") if p.is_file()]


def test_the_api_streams_a_bag_and_a_masked_one_keeps_restricted_parts_back(
    client: TestClient,
    admin: Headers,
    make_user: MakeUser,
    sessions: sessionmaker[Session],
    settings: Settings,
    tmp_path: Path,
) -> None:
    archivist, _, story_id, recording_id = coast_story(client, admin, make_user, sessions)
    whole = client.get(f"/api/v1/stories/{story_id}/export", headers=archivist)
    assert whole.status_code == 200, whole.text
    assert whole.headers["content-type"] == "application/x-tar"
    unpacked = unpack(whole.content, tmp_path / "whole")
    bagit.Bag(str(unpacked)).validate()
    assert (
        "Words kept for the family."
        in (unpacked / f"data/recordings/{recording_id}/transcript-v2.txt").read_text()
    )

    worker = Worker(settings, handlers=job_handlers(), name="silence-worker")
    try:
        worker.run_until_idle()
    finally:
        worker.close()
    masked = client.get(
        f"/api/v1/stories/{story_id}/export", headers=archivist, params={"masked": "true"}
    )
    assert masked.status_code == 200, masked.text
    kept_back = unpack(masked.content, tmp_path / "masked")
    bag = bagit.Bag(str(kept_back))
    bag.validate()
    assert "restricted parts" in bag.info["Access-Restrictions"]
    text = (kept_back / f"data/recordings/{recording_id}/transcript-v2.txt").read_text()
    assert "Words kept for the family." not in text
    assert "[restricted]" in text
    translated = (kept_back / f"data/recordings/{recording_id}/translation-v1.txt").read_text()
    assert "Translated family words." not in translated
    assert "Translated: she carried the seeds." in translated
    assert "Family words" not in (kept_back / "data/metadata/archive.json").read_text()
    assert not list(kept_back.glob(f"data/recordings/{recording_id}/original*"))
    assert list(kept_back.glob(f"data/recordings/{recording_id}/listening-copy*"))
    assert not list(kept_back.glob("data/consent/*"))

    outsider = make_user("bo", Role.ARCHIVIST)
    assert client.get(f"/api/v1/stories/{story_id}/export", headers=outsider).status_code == 404


def unpack(tar_bytes: bytes, into: Path) -> Path:
    with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as tar:
        tar.extractall(into, filter="data")
    (folder,) = [p for p in into.iterdir() if p.is_dir()]
    return folder


def test_a_masked_bag_carries_no_restricted_words_in_its_events(
    client: TestClient,
    admin: Headers,
    make_user: MakeUser,
    sessions: sessionmaker[Session],
    settings: Settings,
    tmp_path: Path,
) -> None:
    archivist, _, story_id, recording_id = coast_story(client, admin, make_user, sessions)
    now = client.get(f"/api/v1/recordings/{recording_id}/transcript", headers=archivist).json()
    edited = client.patch(
        f"/api/v1/recordings/{recording_id}/transcript/segments/{now['segments'][1]['id']}",
        headers={**archivist, "If-Match": f'"v{now["version"]}"'},
        json={"text": "Words kept for the family, by the well."},
    )
    assert edited.status_code == 200, edited.text
    worker = Worker(settings, handlers=job_handlers(), name="silence-worker")
    try:
        worker.run_until_idle()
    finally:
        worker.close()

    masked = client.get(
        f"/api/v1/stories/{story_id}/export", headers=archivist, params={"masked": "true"}
    )

    assert masked.status_code == 200, masked.text
    kept_back = unpack(masked.content, tmp_path / "masked")
    for path in kept_back.rglob("*"):
        if path.is_file() and path.suffix in {".json", ".txt", ".vtt", ".srt", ".xml"}:
            text = path.read_text()
            assert "kept for the family" not in text, path
            assert "Family words" not in text, path


def retold(bag_dir: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Makes the bag at `bag_dir` another story (every row of it a new id), changes its
    archive.json with `change`, and writes its manifests again: a valid bag that lies."""
    path = bag_dir / "data/metadata/archive.json"
    archive = json.loads(path.read_text())
    fresh = {archive["story"]["id"]: str(uuid.uuid4())}
    for kind in ("recordings", "transcripts", "segments", "restrictions"):
        fresh.update({row["id"]: str(uuid.uuid4()) for row in archive[kind]})
    if archive["consent"]:
        fresh[archive["consent"]["id"]] = str(uuid.uuid4())
    text = path.read_text()
    for old, new in fresh.items():
        text = text.replace(old, new)
        for folder in bag_dir.glob(f"data/recordings/{old}"):
            folder.rename(folder.with_name(new))
    archive = json.loads(text)
    change(archive)
    path.write_text(json.dumps(archive))
    bagit.Bag(str(bag_dir)).save(manifests=True)


def test_a_bag_whose_rows_point_outside_its_story_is_refused(
    client: TestClient,
    admin: Headers,
    make_user: MakeUser,
    sessions: sessionmaker[Session],
    settings: Settings,
    tmp_path: Path,
) -> None:
    """A bag is one story: a row naming another story, or an object key of the archive's
    other files, would graft its rows onto another community's story or serve that file."""
    _, _, story_id, recording_id = coast_story(client, admin, make_user, sessions)
    inland = client.post("/api/v1/communities", headers=admin, json={"name": "Inland"}).json()
    victim, _ = story_with_recording(
        client,
        admin,
        title="Inland only",
        access="private",
        community_id=inland["id"],
        consent={"given_by": "Ana Mamani", "listen": "community", "searchable": True},
    )
    document = client.post(
        f"/api/v1/stories/{victim}/consent/document",
        headers=admin,
        files={"file": ("consent.flac", STORY_EN.read_bytes())},
    )
    assert document.status_code == 200, document.text
    with transaction(sessions) as session:
        (victim_key,) = session.scalars(
            select(Consent.document_key).where(Consent.story_id == uuid.UUID(victim))
        )
    assert victim_key is not None

    def graft(archive: dict[str, Any]) -> None:
        archive["recordings"][0]["story_id"] = victim

    def mislink(archive: dict[str, Any]) -> None:
        archive["restrictions"][0]["recording_id"] = recording_id

    def claim(archive: dict[str, Any]) -> None:
        archive["events"][0]["subject_id"] = victim

    def borrow(archive: dict[str, Any]) -> None:
        archive["recordings"][0]["object_key"] = victim_key
        archive["consent"]["document_key"] = f"consents/{victim}/{uuid.uuid4()}"

    def export(n: int, change: Callable[[dict[str, Any]], None]) -> Path:
        out = tmp_path / f"bags-{n}"
        exported = CliRunner().invoke(
            cli, ["export", story_id, "--out", str(out)], env=cli_env(settings)
        )
        assert exported.exit_code == 0, exported.output
        bag_dir = out / f"story-{story_id}"
        retold(bag_dir, change)
        return bag_dir

    for n, change in enumerate((graft, mislink, claim)):
        bag_dir = export(n, change)
        before = rows(settings.database_url)
        objects = sorted(p for p in (settings.data_dir / "objects").rglob("*") if p.is_file())

        refused = CliRunner().invoke(cli, ["import", str(bag_dir)], env=cli_env(settings))

        assert refused.exit_code == 1, (change.__name__, refused.output)
        assert f"{victim if change is not mislink else recording_id}" in refused.output
        after = rows(settings.database_url)
        assert {t: len(r) for t, r in after.items()} == {t: len(r) for t, r in before.items()}
        assert sorted(p for p in (settings.data_dir / "objects").rglob("*") if p.is_file()) == (
            objects
        )

    bag_dir = export(9, borrow)
    imported = CliRunner().invoke(cli, ["import", str(bag_dir)], env=cli_env(settings))
    assert imported.exit_code == 0, imported.output
    new_story = json.loads((bag_dir / "data/metadata/archive.json").read_text())["story"]["id"]
    with transaction(sessions) as session:
        (key,) = session.scalars(
            select(Recording.object_key).where(Recording.story_id == uuid.UUID(new_story))
        )
        (stored_document,) = session.scalars(
            select(Consent.document_key).where(Consent.story_id == uuid.UUID(new_story))
        )
    assert key != victim_key
    assert (settings.data_dir / "objects" / key).read_bytes() == STORY_EN.read_bytes()
    assert stored_document is not None
    assert new_story in stored_document
    assert (settings.data_dir / "objects" / stored_document).is_file()


def test_a_bag_of_a_story_imported_from_a_folder_plays_where_it_is_restored(
    client: TestClient,
    admin: Headers,
    make_user: MakeUser,
    sessions: sessionmaker[Session],
    settings: Settings,
    tmp_path: Path,
) -> None:
    """Originals of folder imports and resumable uploads are kept under other keys than a
    story's own; the restored recording is found where its bytes were stored."""
    _, _, story_id, recording_id = coast_story(client, admin, make_user, sessions)
    with transaction(sessions) as session:
        recording = session.get(Recording, uuid.UUID(recording_id))
        assert recording is not None
        elsewhere = f"originals/imports/{uuid.uuid4()}/{recording.sha256}"
        (settings.data_dir / "objects" / elsewhere).parent.mkdir(parents=True)
        (settings.data_dir / "objects" / recording.object_key).rename(
            settings.data_dir / "objects" / elsewhere
        )
        recording.object_key = elsewhere
    out = tmp_path / "bags"
    exported = CliRunner().invoke(
        cli, ["export", story_id, "--out", str(out)], env=cli_env(settings)
    )
    assert exported.exit_code == 0, exported.output

    target = Settings(data_dir=tmp_path / "elsewhere")
    imported = CliRunner().invoke(
        cli, ["import", str(out / f"story-{story_id}")], env=cli_env(target)
    )

    assert imported.exit_code == 0, imported.output
    (restored,) = rows(target.database_url)["recordings"]
    assert (target.data_dir / "objects" / restored["object_key"]).read_bytes() == (
        STORY_EN.read_bytes()
    )


def test_a_bag_whose_row_ids_are_taken_here_is_refused_and_leaves_nothing(
    client: TestClient,
    admin: Headers,
    make_user: MakeUser,
    sessions: sessionmaker[Session],
    settings: Settings,
    tmp_path: Path,
) -> None:
    """A second copy of a story under a new story id (its transcripts and segments keep the
    ids this archive holds): refused as a bag, not a crash."""
    _, _, story_id, _ = coast_story(client, admin, make_user, sessions)
    out = tmp_path / "bags"
    exported = CliRunner().invoke(
        cli, ["export", story_id, "--out", str(out)], env=cli_env(settings)
    )
    assert exported.exit_code == 0, exported.output
    bag_dir = out / f"story-{story_id}"
    path = bag_dir / "data/metadata/archive.json"
    archive = json.loads(path.read_text())
    fresh = {archive["story"]["id"]: str(uuid.uuid4()), archive["consent"]["id"]: str(uuid.uuid4())}
    fresh.update({r["id"]: str(uuid.uuid4()) for r in archive["recordings"]})
    text = path.read_text()
    for old, new in fresh.items():
        text = text.replace(old, new)
        for folder in bag_dir.glob(f"data/recordings/{old}"):
            folder.rename(folder.with_name(new))
    path.write_text(text)
    bagit.Bag(str(bag_dir)).save(manifests=True)
    before = rows(settings.database_url)
    objects = sorted(p for p in (settings.data_dir / "objects").rglob("*") if p.is_file())

    refused = CliRunner().invoke(cli, ["import", str(bag_dir)], env=cli_env(settings))

    assert refused.exit_code == 1, refused.output
    assert "refused" in refused.output
    assert "already" in refused.output
    after = rows(settings.database_url)
    assert {t: len(r) for t, r in after.items()} == {t: len(r) for t, r in before.items()}
    assert sorted(p for p in (settings.data_dir / "objects").rglob("*") if p.is_file()) == objects


def test_a_tar_that_would_fill_the_disk_is_refused_before_it_is_unpacked(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A compressed tar of a few kilobytes may unpack to terabytes, or to millions of empty
    files; it is refused from its headers, with nothing written."""
    bomb = tmp_path / "bomb.tar.gz"
    with tarfile.open(bomb, "w:gz") as tar:
        for n in range(20):
            member = tarfile.TarInfo(f"story-x/data/zeros-{n}")
            member.size = 1_000_000
            tar.addfile(member, io.BytesIO(bytes(member.size)))
    assert bomb.stat().st_size < 100_000
    monkeypatch.setattr(tempfile, "TemporaryDirectory", lambda **kw: _Kept(tmp_path / "scratch"))

    monkeypatch.setattr(reading, "_room", lambda folder: 5_000_000, raising=False)
    roomless = CliRunner().invoke(cli, ["import", str(bomb)], env=cli_env(settings))
    monkeypatch.setattr(reading, "_room", lambda folder: 10**12, raising=False)
    monkeypatch.setattr(reading, "MAX_MEMBERS", 10, raising=False)
    numerous = CliRunner().invoke(cli, ["import", str(bomb)], env=cli_env(settings))

    assert roomless.exit_code == 1, roomless.output
    assert "free" in roomless.output
    assert numerous.exit_code == 1, numerous.output
    assert "more than 10 files" in numerous.output
    assert not [p for p in (tmp_path / "scratch").rglob("*") if p.is_file()]


class _Kept:
    """A scratch folder that stays to be looked at after the import."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(exist_ok=True)
        self.folder = folder

    def __enter__(self) -> str:
        return str(self.folder)

    def __exit__(self, *exc: object) -> None:
        return None


def test_an_import_killed_after_storing_its_originals_runs_again(
    client: TestClient,
    admin: Headers,
    make_user: MakeUser,
    sessions: sessionmaker[Session],
    settings: Settings,
    tmp_path: Path,
) -> None:
    """A run killed between storing a bag's files and writing its rows leaves the files and
    no story; the next run takes the files as they are and brings the story in."""
    _, _, story_id, recording_id = coast_story(client, admin, make_user, sessions)
    out = tmp_path / "bags"
    exported = CliRunner().invoke(
        cli, ["export", story_id, "--out", str(out)], env=cli_env(settings)
    )
    assert exported.exit_code == 0, exported.output
    target = Settings(data_dir=tmp_path / "elsewhere")
    bag_dir = out / f"story-{story_id}"
    archive = json.loads((bag_dir / "data/metadata/archive.json").read_text())
    left = {
        f"originals/{story_id}/{recording_id}": f"data/recordings/{recording_id}/original.flac",
        archive["consent"]["document_key"]: "data/consent/document.flac",
    }
    for key, path in left.items():
        (target.data_dir / "objects" / key).parent.mkdir(parents=True, exist_ok=True)
        (target.data_dir / "objects" / key).write_bytes((bag_dir / path).read_bytes())

    again = CliRunner().invoke(cli, ["import", str(bag_dir)], env=cli_env(target))

    assert again.exit_code == 0, again.output
    assert f"imported: {bag_dir}" in again.output
    (restored,) = rows(target.database_url)["recordings"]
    assert (target.data_dir / "objects" / restored["object_key"]).read_bytes() == (
        STORY_EN.read_bytes()
    )
