"""Importing a folder into this archive's own database and store (`archive import-folder`).

Each file, in the pattern `archive.backends` describes: its SHA-256 is read; a short
transaction asks whether the community already holds those bytes (then it is skipped, so an
import stopped anywhere simply runs again); the file is probed (the same allow-listed PyAV
probe as an upload) and streamed into the store, outside any transaction, under a key named
by its bytes; one transaction makes its story, people, recording, transcription job and
events. When that transaction fails the stored object is removed (unless some recording
holds it), and an object left by a process that died before it is reused by the next run.
"""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from archive import faults
from archive.backends import Backends
from archive.db.session import transaction
from archive.domain.access import Viewer
from archive.domain.keys import import_original_key
from archive.errors import ArchiveError, Unprocessable
from archive.events.actor import Actor
from archive.imports import service
from archive.imports.report import Imported, ImportReport, Refused, Skipped
from archive.imports.rows import (
    ImportRow,
    MetadataSheet,
    SheetError,
    looks_like_media,
    normalise_path,
    parse_sheet,
)
from archive.ingest.media import MediaInfo, probe
from archive.recordings.receive import ReceivedObject, too_large
from archive.storage.base import ObjectStore

log = logging.getLogger(__name__)

CHUNK_BYTES = 1024 * 1024
NO_SUCH_FILE = (
    "there is no such audio or video file under the folder; check the `file` cell (a path "
    "under the folder)"
)


class ImportProgress(Protocol):
    """Told what the import does as it goes (the command line draws a progress bar)."""

    def begin(self, *, files: int, total_bytes: int) -> None: ...

    def advance(self, *, done_bytes: int) -> None:
        """`done_bytes` more of the files' bytes are dealt with (stored, or skipped)."""

    def file_done(self, file: str) -> None: ...


class NoProgress:
    def begin(self, *, files: int, total_bytes: int) -> None:
        pass

    def advance(self, *, done_bytes: int) -> None:
        pass

    def file_done(self, file: str) -> None:
        pass


@dataclass(frozen=True, slots=True)
class FolderImport:
    folder: Path
    username: str
    """The account the import acts as: an archivist of the community, or an administrator."""
    metadata: Path | None = None
    community: str | None = None
    """Its id or name; left out, the importer's only community or the default one."""
    collection_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class FolderFile:
    path: Path
    name: str
    """Its path under the folder, `/` between parts: how the metadata names it."""
    size: int


def read_sheet(path: Path) -> MetadataSheet:
    """The metadata file, read as UTF-8 (a spreadsheet's byte-order mark is fine);
    `SheetError` (a `ValueError`) when it cannot be used."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise SheetError(
            f'{path.name} is not UTF-8 text. Save the spreadsheet as "CSV UTF-8" and run '
            "the import again."
        ) from None
    return parse_sheet(text, today=datetime.now(UTC).date())


def walk(folder: Path, *, leave_out: Path | None) -> tuple[list[FolderFile], list[Skipped]]:
    """The audio and video files under `folder` by name, in name order, and the other files
    (skipped). Hidden files and folders, and `leave_out` (the metadata), are passed over."""
    media: list[FolderFile] = []
    others: list[Skipped] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for filename in sorted(files):
            path = Path(root) / filename
            if filename.startswith(".") or (leave_out is not None and path == leave_out):
                continue
            name = normalise_path(path.relative_to(folder).as_posix())
            if looks_like_media(name):
                media.append(FolderFile(path, name, path.stat().st_size))
            else:
                others.append(Skipped(name, "not an audio or video file (by its name)"))
    media.sort(key=lambda f: f.name)
    return media, others


def match_sheet(
    sheet: MetadataSheet | None, files: list[FolderFile], *, report: ImportReport
) -> set[str]:
    """Reports the sheet's refused rows, and its rows that name no file found; returns the
    files whose row was refused (they are not imported)."""
    if sheet is None:
        return set()
    names = {f.name for f in files}
    report.refused.extend(Refused(r.number, r.file, r.reason) for r in sheet.refused)
    for row in sheet.rows.values():
        if row.file not in names:
            report.refused.append(Refused(row.number, row.file, NO_SUCH_FILE))
    return {r.file for r in sheet.refused if r.file is not None}


def note_unnamed(sheet: MetadataSheet | None, file: FolderFile, *, report: ImportReport) -> None:
    """Notes a file that came in with no row of a sheet (titled by its name)."""
    came_in = bool(report.imported) and report.imported[-1].file == file.name
    if sheet is not None and file.name not in sheet.rows and came_in:
        report.unnamed.append(file.name)


def import_folder(
    backends: Backends, request: FolderImport, *, progress: ImportProgress
) -> ImportReport:
    """Imports every audio and video file under the folder; returns what happened to each.

    Raises `ArchiveError` before any file when the importer, community or collection will
    not do, and `SheetError` when the metadata cannot be read at all. A refused row or file
    is reported and leaves nothing behind; the others go on."""
    folder = request.folder.resolve()
    sheet = read_sheet(request.metadata) if request.metadata is not None else None
    with transaction(backends.sessions) as session:
        viewer = service.importer(session, request.username)
        community = service.target_community(
            session, viewer, community=request.community, collection_id=request.collection_id
        )
        community_id, community_name = community.id, community.name
    import_id = uuid.uuid4()
    actor = Actor(user_id=viewer.user_id)
    report = ImportReport(str(import_id), str(folder), community_name)
    leave_out = request.metadata.resolve() if request.metadata is not None else None
    files, others = walk(folder, leave_out=leave_out)
    report.skipped.extend(others)
    refused_files = match_sheet(sheet, files, report=report)
    log.info("import.started id=%s folder=%s files=%d", import_id, folder, len(files))
    progress.begin(files=len(files), total_bytes=sum(f.size for f in files))
    step = _Importer(backends, viewer, actor=actor, community_id=community_id, import_id=import_id)
    for file in files:
        row = sheet.rows.get(file.name) if sheet is not None else None
        if file.name in refused_files:
            report.skipped.append(Skipped(file.name, "its metadata row was refused"))
            progress.advance(done_bytes=file.size)
        else:
            step.run(file, row=row, request=request, report=report, progress=progress)
            note_unnamed(sheet, file, report=report)
        progress.file_done(file.name)
    with transaction(backends.sessions) as session:
        service.record_finished(
            session,
            community_id=community_id,
            import_id=import_id,
            summary=report.summary(),
            actor=actor,
        )
    log.info("import.finished id=%s %s", import_id, report.summary())
    return report


class _Importer:
    def __init__(
        self,
        backends: Backends,
        viewer: Viewer,
        *,
        actor: Actor,
        community_id: uuid.UUID,
        import_id: uuid.UUID,
    ) -> None:
        self.backends = backends
        self.viewer = viewer
        self.actor = actor
        self.community_id = community_id
        self.import_id = import_id

    def run(
        self,
        file: FolderFile,
        *,
        row: ImportRow | None,
        request: FolderImport,
        report: ImportReport,
        progress: ImportProgress,
    ) -> None:
        number = row.number if row is not None else None
        backends = self.backends
        try:
            data = service.story_data(
                row,
                file=file.name,
                community_id=self.community_id,
                collection_id=request.collection_id,
            )
            if file.size > backends.settings.max_upload_bytes:
                raise too_large(backends.settings.max_upload_bytes)
        except ArchiveError as exc:
            report.refused.append(Refused(number, file.name, exc.detail))
            progress.advance(done_bytes=file.size)
            return
        sha256 = sha256_of(file.path)
        with transaction(backends.sessions) as session:
            found = service.existing_recording(session, sha256, community_id=self.community_id)
            held = None if found is None else (str(found.id), str(found.story_id))
        if held is not None:
            reason = f"already in the archive as recording {held[0]} of story {held[1]}"
            report.skipped.append(Skipped(file.name, reason, row=number, recording_id=held[0]))
            progress.advance(done_bytes=file.size)
            return
        try:
            info = probe_file(file.path)
        except ArchiveError as exc:
            report.refused.append(Refused(number, file.name, exc.detail))
            progress.advance(done_bytes=file.size)
            return
        key = import_original_key(self.community_id, sha256)
        try:
            _store(backends.store, key, file=file, sha256=sha256, progress=progress)
        except FileChanged as exc:
            report.refused.append(Refused(number, file.name, exc.detail))
            return
        faults.reached("import.object-stored")
        received = ReceivedObject(key=key, filename=file.name, sha256=sha256, size=file.size)
        try:
            with transaction(backends.sessions) as session:
                recording = service.import_file(
                    session,
                    self.viewer,
                    data=data,
                    row=row,
                    received=received,
                    info=info,
                    max_attempts=backends.settings.job_max_attempts,
                    import_id=self.import_id,
                    actor=self.actor,
                )
                story_id, recording_id = str(recording.story_id), str(recording.id)
        except ArchiveError as exc:
            self._remove_unless_held(key)
            report.refused.append(Refused(number, file.name, exc.detail))
            return
        except BaseException:
            self._remove_unless_held(key)
            raise
        faults.reached("import.recording-committed")
        report.imported.append(
            Imported(file.name, number, story_id, recording_id, sha256, file.size)
        )

    def _remove_unless_held(self, key: str) -> None:
        """Removes an object no recording was made of; one that a recording holds (the same
        bytes imported meanwhile by another run) stays."""
        with transaction(self.backends.sessions) as session:
            held = service.key_is_an_original(session, key)
        if not held:
            self.backends.store.delete(key)


class FileChanged(Unprocessable):
    pass


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as source:
        while chunk := source.read(CHUNK_BYTES):
            yield chunk


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    for chunk in _chunks(path):
        digest.update(chunk)
    return digest.hexdigest()


def probe_file(path: Path) -> MediaInfo:
    with path.open("rb") as source:
        return probe(source)


def _store(
    store: ObjectStore, key: str, *, file: FolderFile, sha256: str, progress: ImportProgress
) -> None:
    """Puts the file under `key`, unless an earlier run that stopped before recording it
    left it there whole (an object of other bytes there is removed and written again)."""
    if store.exists(key):
        if store.verify_sha256(key, sha256):
            progress.advance(done_bytes=file.size)
            return
        store.delete(key)
    writer = store.writer(key)
    digest = hashlib.sha256()
    try:
        for chunk in _chunks(file.path):
            writer.write(chunk)
            digest.update(chunk)
            progress.advance(done_bytes=len(chunk))
        if digest.hexdigest() != sha256:
            raise FileChanged(
                "The file changed while it was being imported. Run the import again once "
                "nothing is writing to it."
            )
        writer.commit()
    except BaseException:
        writer.abort()
        raise
