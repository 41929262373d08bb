"""Importing a folder into another archive over its API (`archive import-folder --url`).

The same rows and the same local checks as a local import (the metadata is read, each file
is probed with the same allow-listed probe), then for each file: its people are found or
added (`/api/v1/people`), its story is made (`POST /api/v1/stories`, which refuses a bad row
before any byte is sent), and its bytes go through tus (`/api/v1/uploads`, resumed with
HEAD from the offset the server holds).

What was sent is remembered in a state file keyed by the archive's address and each file's
SHA-256 (`.archive-import.json` in the folder unless `--state` says elsewhere), written after
each step: a second run skips what became a recording, and goes on with a story whose
upload was cut off, into the same story and, while the server keeps it, the same upload.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from archive import faults
from archive.domain.tus import encode_metadata
from archive.errors import ArchiveError, ServiceUnavailable, Unprocessable
from archive.imports.folder import (
    CHUNK_BYTES,
    ImportProgress,
    match_sheet,
    note_unnamed,
    probe_file,
    read_sheet,
    sha256_of,
    walk,
)
from archive.imports.report import Imported, ImportReport, Refused, Skipped
from archive.imports.rows import ImportRow
from archive.imports.service import story_data
from archive.recordings.receive import too_large

log = logging.getLogger(__name__)

STATE_FILE = ".archive-import.json"
TUS_VERSION = "1.0.0"
UPLOAD_CHUNK_BYTES = 4 * CHUNK_BYTES


@dataclass(frozen=True, slots=True)
class RemoteImport:
    folder: Path
    url: str
    token: str
    metadata: Path | None = None
    community: str | None = None
    """Its id or name."""
    collection_id: uuid.UUID | None = None
    state: Path | None = None


class Refusal(Exception):
    """The archive refused this file's story or bytes; the reason is its problem's detail."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ImportState:
    """What was sent where, by SHA-256, saved after every change (replaced atomically)."""

    def __init__(self, path: Path, archive_url: str) -> None:
        self.path = path
        self.archive_url = archive_url
        self._all: dict[str, Any] = {"archives": {}}
        if path.exists():
            self._all = json.loads(path.read_text(encoding="utf-8"))
        self._mine: dict[str, dict[str, str]] = self._all["archives"].setdefault(archive_url, {})

    def get(self, sha256: str) -> dict[str, str]:
        return dict(self._mine.get(sha256, {}))

    def put(self, sha256: str, **values: str) -> None:
        self._mine.setdefault(sha256, {}).update(values)
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_text(json.dumps(self._all, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(partial, self.path)


def _reason(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        return f"{body['detail']} (HTTP {response.status_code})"
    return f"the archive answered HTTP {response.status_code}"


def _check(response: httpx.Response) -> httpx.Response:
    """The response, or `Refusal` for a 4xx about this file, or `ServiceUnavailable` (the
    whole run stops; the next run goes on from the state file)."""
    if response.status_code == 401:
        raise ServiceUnavailable(
            f"The archive did not take the token: {_reason(response)}. Give an archivist's "
            "API token with --token."
        )
    if 400 <= response.status_code < 500:
        raise Refusal(_reason(response))
    if response.status_code >= 500:
        raise ServiceUnavailable(f"The archive could not go on: {_reason(response)}")
    return response


class _Archive:
    """The remote archive's API, as far as an import needs it."""

    def __init__(self, url: str, token: str) -> None:
        self.http = httpx.Client(
            base_url=url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(120.0, connect=15.0),
        )
        self.people: dict[str, str] = {}

    def close(self) -> None:
        self.http.close()

    def max_size(self) -> int | None:
        """The largest upload the archive takes (tus `Tus-Max-Size`), if it says."""
        response = _check(self.http.options("/api/v1/uploads"))
        value = response.headers.get("Tus-Max-Size", "")
        return int(value) if value.isdigit() else None

    def community_id(self, community: str | None) -> uuid.UUID | None:
        if community is None:
            return None
        try:
            return uuid.UUID(community)
        except ValueError:
            pass
        listed = _check(self.http.get("/api/v1/communities")).json()
        items = listed["items"] if isinstance(listed, dict) else listed
        for item in items:
            if item.get("name") == community:
                return uuid.UUID(item["id"])
        raise Unprocessable(f"The archive has no community {community!r} you can see.")

    def person_id(self, name: str, *, community_id: uuid.UUID | None) -> str:
        """The id of the community's person of this name (ignoring case), added if the
        archive does not know them yet; asked once per name in a run."""
        known = self.people.get(name.casefold())
        if known is None:
            known = self.people[name.casefold()] = self._person_id(name, community_id)
        return known

    def _person_id(self, name: str, community_id: uuid.UUID | None) -> str:
        found = _check(self.http.get("/api/v1/people", params={"name": name, "limit": 200}))
        for person in found.json()["items"]:
            same_community = community_id is None or person["community_id"] == str(community_id)
            if person["name"].casefold() == name.casefold() and same_community:
                return str(person["id"])
        body: dict[str, Any] = {"name": name}
        if community_id is not None:
            body["community_id"] = str(community_id)
        return str(_check(self.http.post("/api/v1/people", json=body)).json()["id"])

    def create_story(self, body: dict[str, Any]) -> str:
        return str(_check(self.http.post("/api/v1/stories", json=body)).json()["id"])

    def create_upload(self, *, story_id: str, filename: str, size: int) -> str:
        metadata = {"story_id": story_id, "filename": filename.rsplit("/", 1)[-1]}
        response = _check(
            self.http.post(
                "/api/v1/uploads",
                headers={
                    "Tus-Resumable": TUS_VERSION,
                    "Upload-Length": str(size),
                    "Upload-Metadata": encode_metadata(metadata),
                },
            )
        )
        return str(response.headers["Location"])

    def upload_offset(self, upload_url: str) -> tuple[int, str | None] | None:
        """The offset the server holds and the recording made, or None for an upload gone."""
        response = self.http.head(upload_url, headers={"Tus-Resumable": TUS_VERSION})
        if response.status_code in (404, 410):
            return None
        _check(response)
        return int(response.headers["Upload-Offset"]), response.headers.get("Archive-Recording-Id")

    def send(
        self, upload_url: str, path: Path, *, offset: int, progress: ImportProgress
    ) -> str | None:
        """Sends the file from `offset` in chunks; the recording's id once the last arrives."""
        recording_id: str | None = None
        with path.open("rb") as source:
            source.seek(offset)
            while chunk := source.read(UPLOAD_CHUNK_BYTES):
                response = _check(
                    self.http.patch(
                        upload_url,
                        content=chunk,
                        headers={
                            "Tus-Resumable": TUS_VERSION,
                            "Upload-Offset": str(offset),
                            "Content-Type": "application/offset+octet-stream",
                        },
                    )
                )
                offset = int(response.headers["Upload-Offset"])
                recording_id = response.headers.get("Archive-Recording-Id")
                progress.advance(done_bytes=len(chunk))
        return recording_id


def import_folder_remote(request: RemoteImport, *, progress: ImportProgress) -> ImportReport:
    """Imports the folder into the archive at `request.url`; returns what happened to each
    file. Stops with `ServiceUnavailable` when the archive does not answer or refuses the
    token: what was sent is in the state file, and the next run goes on from there."""
    folder = request.folder.resolve()
    sheet = read_sheet(request.metadata) if request.metadata is not None else None
    state = ImportState(request.state or folder / STATE_FILE, request.url.rstrip("/"))
    leave_out = {state.path.resolve(), state.path.resolve().with_suffix(".json.partial")}
    if request.metadata is not None:
        leave_out.add(request.metadata.resolve())
    archive = _Archive(request.url, request.token)
    try:
        community_id = archive.community_id(request.community)
        max_size = archive.max_size()
        report = ImportReport(str(uuid.uuid4()), str(folder), request.url)
        files, others = walk(folder, leave_out=None)
        files = [f for f in files if f.path.resolve() not in leave_out]
        report.skipped.extend(s for s in others if (folder / s.file).resolve() not in leave_out)
        refused_files = match_sheet(sheet, files, report=report)
        progress.begin(files=len(files), total_bytes=sum(f.size for f in files))
        for file in files:
            row = sheet.rows.get(file.name) if sheet is not None else None
            if file.name in refused_files:
                report.skipped.append(Skipped(file.name, "its metadata row was refused"))
                progress.advance(done_bytes=file.size)
            else:
                _send_file(
                    archive,
                    state,
                    file_path=file.path,
                    name=file.name,
                    size=file.size,
                    row=row,
                    request=request,
                    community_id=community_id,
                    max_size=max_size,
                    report=report,
                    progress=progress,
                )
                note_unnamed(sheet, file, report=report)
            progress.file_done(file.name)
    except httpx.TransportError as exc:
        raise ServiceUnavailable(
            f"The archive at {request.url} does not answer ({exc}). Run the import again "
            "when it does: what was sent is remembered and skipped."
        ) from None
    finally:
        archive.close()
    return report


def _send_file(
    archive: _Archive,
    state: ImportState,
    *,
    file_path: Path,
    name: str,
    size: int,
    row: ImportRow | None,
    request: RemoteImport,
    community_id: uuid.UUID | None,
    max_size: int | None,
    report: ImportReport,
    progress: ImportProgress,
) -> None:
    number = row.number if row is not None else None
    sha256 = sha256_of(file_path)
    sent = state.get(sha256)
    if "recording_id" in sent:
        report.skipped.append(
            Skipped(
                name,
                f"sent before: recording {sent['recording_id']} of story {sent['story_id']}",
                row=number,
                recording_id=sent["recording_id"],
            )
        )
        progress.advance(done_bytes=size)
        return
    try:
        if "story_id" not in sent:
            if max_size is not None and size > max_size:
                raise too_large(max_size)
            data = story_data(
                row, file=name, community_id=community_id, collection_id=request.collection_id
            )
            probe_file(file_path)
            body = data.model_dump(mode="json", exclude_unset=True, exclude_none=True)
            people = [
                {"person_id": archive.person_id(n, community_id=community_id), "role": role}
                for role, names in (
                    ("narrator", row.narrators if row else ()),
                    ("interviewer", row.interviewers if row else ()),
                )
                for n in names
            ]
            if people:
                body["people"] = people
            state.put(sha256, story_id=archive.create_story(body), file=name)
            sent = state.get(sha256)
            faults.reached("import.remote-story-created")
        recording_id = _upload(
            archive, state, sha256=sha256, sent=sent, path=file_path, size=size, progress=progress
        )
    except (ArchiveError, Refusal) as exc:
        if isinstance(exc, ServiceUnavailable):
            raise
        reason = exc.detail if isinstance(exc, ArchiveError) else exc.reason
        if "story_id" in sent:
            reason += (
                f" (its story {sent['story_id']} is made and waits for this file: the next "
                "run sends it again)"
            )
        report.refused.append(Refused(number, name, reason))
        return
    state.put(sha256, recording_id=recording_id)
    faults.reached("import.remote-recording-made")
    report.imported.append(Imported(name, number, sent["story_id"], recording_id, sha256, size))


def _upload(
    archive: _Archive,
    state: ImportState,
    *,
    sha256: str,
    sent: dict[str, str],
    path: Path,
    size: int,
    progress: ImportProgress,
) -> str:
    """The recording of the file's bytes in its story: sent now, or found sent before."""
    held = archive.upload_offset(sent["upload"]) if "upload" in sent else None
    if held is None:
        upload = archive.create_upload(story_id=sent["story_id"], filename=path.name, size=size)
        state.put(sha256, upload=upload)
        offset, recording_id = 0, None
    else:
        upload, (offset, recording_id) = sent["upload"], held
    progress.advance(done_bytes=offset)
    if recording_id is None:
        recording_id = archive.send(upload, path, offset=offset, progress=progress)
    if recording_id is None:
        recording_id = (archive.upload_offset(upload) or (0, None))[1]
    if recording_id is None:
        raise Refusal("the archive took the bytes but made no recording of them; run again")
    return recording_id
