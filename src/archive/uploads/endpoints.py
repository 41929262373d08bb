"""tus 1.0.0 at /api/v1/uploads: thin handlers over `uploads.service`."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from archive.deps import (
    Caller,
    CallerDep,
    CurrentViewer,
    SessionFactoryDep,
    SettingsDep,
    StoreDep,
)
from archive.domain.tus import (
    CHECKSUM_ALGORITHMS,
    EXTENSIONS,
    OFFSET_CONTENT_TYPE,
    TUS_VERSION,
    Checksum,
    TusHeaderError,
    encode_metadata,
    format_expires,
    parse_checksum,
    parse_metadata,
    parse_offset,
)
from archive.errors import BadRequest, NotFound, PreconditionFailed, UnsupportedMedia
from archive.models import Upload
from archive.settings import Settings
from archive.storage.base import ObjectStore
from archive.uploads import completion, service
from archive.uploads.spool import Spool
from archive.uploads.stream import append_body

router = APIRouter(tags=["resumable uploads (tus)"])


async def get_spool(request: Request) -> Spool:
    spool: Spool = request.app.state.spool
    return spool


SpoolDep = Annotated[Spool, Depends(get_spool)]


async def require_tus(request: Request) -> None:
    version = request.headers.get("tus-resumable")
    if version != TUS_VERSION:
        raise PreconditionFailed(
            f"This server speaks tus {TUS_VERSION}; send `Tus-Resumable: {TUS_VERSION}` "
            "(any tus client does).",
            headers={"Tus-Version": TUS_VERSION},
        )


TusDep = Annotated[None, Depends(require_tus)]


async def upload_in_path(upload_id: str) -> uuid.UUID:
    """tus answers 404 for an address that names no upload, malformed ones included."""
    try:
        return uuid.UUID(upload_id)
    except ValueError:
        raise NotFound(
            f"There is no upload {upload_id!r}. Start a new upload with POST /api/v1/uploads."
        ) from None


UploadIdDep = Annotated[uuid.UUID, Depends(upload_in_path)]


def _bad_header(exc: TusHeaderError) -> BadRequest:
    return BadRequest(str(exc))


@router.options("/uploads", status_code=204)
@router.options("/uploads/{upload_id}", status_code=204)
def discover(settings: SettingsDep) -> Response:
    """What this tus server supports."""
    return Response(
        status_code=204,
        headers={
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": ",".join(EXTENSIONS),
            "Tus-Max-Size": str(settings.max_upload_bytes),
            "Tus-Checksum-Algorithm": ",".join(CHECKSUM_ALGORITHMS),
        },
    )


@router.post("/uploads", status_code=201)
async def create_upload(
    request: Request,
    _tus: TusDep,
    viewer: CurrentViewer,
    sessions: SessionFactoryDep,
    store: StoreDep,
    settings: SettingsDep,
    spool: SpoolDep,
) -> Response:
    """Start a resumable upload; with a body (creation-with-upload) its first bytes too."""
    if request.headers.get("upload-defer-length"):
        raise BadRequest("Uploads of unknown length are not supported; send Upload-Length.")
    try:
        length = parse_offset(request.headers.get("upload-length"), "Upload-Length")
        metadata = parse_metadata(request.headers.get("upload-metadata"))
        checksum = parse_checksum(request.headers.get("upload-checksum"))
    except TusHeaderError as exc:
        raise _bad_header(exc) from exc
    state = await run_in_threadpool(
        service.create_upload, sessions, spool, settings, viewer, length, metadata
    )
    headers = {"Location": str(request.url_for("upload_status", upload_id=state.id))}
    with_body = request.headers.get("content-type", "").startswith(OFFSET_CONTENT_TYPE)
    if with_body or length == 0:
        headers.update(
            await _append(
                request, sessions, store, settings, spool, lambda _: viewer, state.id, 0, checksum
            )
        )
    else:
        headers["Upload-Offset"] = "0"
        headers["Upload-Expires"] = format_expires(state.expires_at)
    return Response(status_code=201, headers=headers)


@router.head("/uploads/{upload_id}", name="upload_status")
def upload_status(
    upload_id: UploadIdDep,
    _tus: TusDep,
    viewer: CurrentViewer,
    sessions: SessionFactoryDep,
    store: StoreDep,
    settings: SettingsDep,
    spool: SpoolDep,
) -> Response:
    """Where an upload stands: resume from `Upload-Offset`. An upload with all its bytes
    names its recording (`Archive-Recording-Id`)."""
    upload = completion.status_of(
        sessions, store, spool, viewer, upload_id, max_attempts=settings.job_max_attempts
    )
    if upload.status in ("terminated", "expired", "refused"):
        return Response(status_code=410, headers={"Cache-Control": "no-store"})
    return Response(status_code=200, headers=_describe(upload))


def _describe(upload: Upload) -> dict[str, str]:
    headers = {
        "Upload-Offset": str(upload.offset),
        "Upload-Length": str(upload.length),
        "Cache-Control": "no-store",
    }
    if upload.upload_metadata:
        headers["Upload-Metadata"] = encode_metadata(upload.upload_metadata)
    if upload.status == "complete":
        headers["Archive-Recording-Id"] = str(upload.recording_id)
    else:
        headers["Upload-Expires"] = format_expires(upload.expires_at)
    return headers


@router.patch("/uploads/{upload_id}", status_code=204)
async def append_to_upload(
    upload_id: UploadIdDep,
    request: Request,
    _tus: TusDep,
    caller: CallerDep,
    sessions: SessionFactoryDep,
    store: StoreDep,
    settings: SettingsDep,
    spool: SpoolDep,
) -> Response:
    """Append bytes at `Upload-Offset`. The last byte turns the upload into a recording."""
    if not request.headers.get("content-type", "").startswith(OFFSET_CONTENT_TYPE):
        raise UnsupportedMedia(f"Send the bytes with `Content-Type: {OFFSET_CONTENT_TYPE}`.")
    try:
        offset = parse_offset(request.headers.get("upload-offset"), "Upload-Offset")
        checksum = parse_checksum(request.headers.get("upload-checksum"))
    except TusHeaderError as exc:
        raise _bad_header(exc) from exc
    headers = await _append(
        request, sessions, store, settings, spool, caller, upload_id, offset, checksum
    )
    return Response(status_code=204, headers=headers)


async def _append(
    request: Request,
    sessions: sessionmaker[Session],
    store: ObjectStore,
    settings: Settings,
    spool: Spool,
    caller: Caller,
    upload_id: uuid.UUID,
    offset: int,
    checksum: Checksum | None,
) -> dict[str, str]:
    """One thread hop and one transaction find the caller and lock the upload, then the body
    streams in, then one more commits the offset: a chunk costs little beyond its bytes."""
    owner = uuid.uuid4().hex
    state = await run_in_threadpool(
        service.begin_patch, sessions, spool, caller, upload_id, offset, owner
    )
    try:
        appended = await append_body(request, sessions, spool, state, checksum, owner)
    except BaseException:
        await run_in_threadpool(service.abort_patch, sessions, spool, state, owner)
        raise
    end = await run_in_threadpool(
        partial(
            service.end_patch,
            sessions,
            store,
            spool,
            settings,
            state,
            appended.offset,
            owner=owner,
            digest=appended.digest,
        )
    )
    headers = {"Upload-Offset": str(appended.offset)}
    if end.received_all:
        recording = await run_in_threadpool(
            partial(
                completion.finish_upload,
                sessions,
                store,
                spool,
                upload_id,
                max_attempts=settings.job_max_attempts,
                owner=owner,
            )
        )
        headers["Archive-Recording-Id"] = str(recording.id)
    else:
        headers["Upload-Expires"] = format_expires(end.expires_at)
    return headers


@router.delete("/uploads/{upload_id}", status_code=204)
def terminate_upload(
    upload_id: UploadIdDep,
    _tus: TusDep,
    viewer: CurrentViewer,
    sessions: SessionFactoryDep,
    store: StoreDep,
    spool: SpoolDep,
) -> Response:
    """Stop an upload and remove its bytes (termination)."""
    service.terminate_upload(sessions, store, spool, viewer, upload_id)
    return Response(status_code=204)
