"""tus 1.0.0 at /api/v1/uploads: thin handlers over `uploads.flow` and `uploads.completion`."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from archive.backends import Backends
from archive.deps import (
    ActorDep,
    AddressDep,
    BackendsDep,
    Caller,
    CallerDep,
    CurrentViewer,
    SettingsDep,
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
from archive.events.actor import Actor
from archive.uploads import completion, flow
from archive.uploads.schemas import METADATA_KEYS, UploadRead
from archive.uploads.stream import ClientGone, append_body

router = APIRouter(tags=["resumable uploads (tus)"])


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


def _metadata_table() -> str:
    rows = "\n".join(f"| `{key}` | {meaning} |" for key, meaning in METADATA_KEYS.items())
    return f"| key | what |\n| --- | --- |\n{rows}"


CREATE_DESCRIPTION = f"""Start a resumable upload (tus 1.0.0 creation); with a body
(`Content-Type: application/offset+octet-stream`, creation-with-upload) its first bytes too.
Answers 201 with `Location` (the upload's address: send the rest there with `PATCH`, ask where
it stands with `HEAD`) and `Upload-Expires`.

Sign in with a bearer token: a person's API token, or an upload link's token. A tus client
can send nothing but headers, so everything about the recording and its story travels in
`Upload-Metadata`: comma-separated `key base64(value)` pairs. Keys read:

{_metadata_table()}

A new story from anyone but the community's archivists (a contributor, an upload-link holder)
needs `consent_given_by`, `consent_listen` and `consent_searchable`; without them the answer is
422 naming these keys, before any byte is sent."""

CREATE_OPENAPI: dict[str, object] = {
    "parameters": [
        {
            "name": "Tus-Resumable",
            "in": "header",
            "required": True,
            "schema": {"type": "string", "enum": [TUS_VERSION]},
        },
        {
            "name": "Upload-Length",
            "in": "header",
            "required": True,
            "description": "The whole file's size in bytes.",
            "schema": {"type": "integer", "minimum": 0},
            "example": 433322,
        },
        {
            "name": "Upload-Metadata",
            "in": "header",
            "required": True,
            "description": "`key base64(value)` pairs, comma-separated; the keys are listed "
            "above. The example is a new story with its consent: title `The seeds`, "
            "consent_given_by `Tía Marta`, consent_listen `community`, consent_searchable "
            "`true`, filename `story.flac`.",
            "schema": {"type": "string"},
            "example": (
                "title VGhlIHNlZWRz,consent_given_by VMOtYSBNYXJ0YQ==,"
                "consent_listen Y29tbXVuaXR5,consent_searchable dHJ1ZQ==,"
                "filename c3RvcnkuZmxhYw=="
            ),
        },
        {
            "name": "Upload-Checksum",
            "in": "header",
            "required": False,
            "description": "For creation-with-upload: `sha1|sha256 base64(digest)` of the "
            "bytes in this request; a mismatch answers 460 and keeps none of them.",
            "schema": {"type": "string"},
        },
    ],
    "responses": {
        "201": {
            "description": "The upload is made; send its bytes to `Location`.",
            "headers": {
                "Location": {"schema": {"type": "string"}},
                "Upload-Offset": {"schema": {"type": "integer"}},
                "Upload-Expires": {"schema": {"type": "string"}},
            },
        }
    },
}


@router.post(
    "/uploads", status_code=201, description=CREATE_DESCRIPTION, openapi_extra=CREATE_OPENAPI
)
async def create_upload(
    request: Request,
    _tus: TusDep,
    viewer: CurrentViewer,
    backends: BackendsDep,
    actor: ActorDep,
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
        partial(flow.create_upload, backends, viewer, length=length, metadata=metadata, actor=actor)
    )
    headers = {"Location": str(request.url_for("upload_status", upload_id=state.id))}
    with_body = request.headers.get("content-type", "").startswith(OFFSET_CONTENT_TYPE)
    if with_body or length == 0:
        headers.update(
            await _append(
                request,
                backends,
                lambda _: viewer,
                upload_id=state.id,
                offset=0,
                checksum=checksum,
                actor=actor,
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
    backends: BackendsDep,
    actor: ActorDep,
) -> Response:
    """Where an upload stands: resume from `Upload-Offset`. An upload with all its bytes
    names its recording (`Archive-Recording-Id`)."""
    upload = UploadRead.model_validate(
        completion.status_of(backends, viewer, upload_id=upload_id, actor=actor),
        from_attributes=True,
    )
    if upload.status in ("terminated", "expired", "refused"):
        return Response(status_code=410, headers={"Cache-Control": "no-store"})
    return Response(status_code=200, headers=_describe(upload))


def _describe(upload: UploadRead) -> dict[str, str]:
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
    backends: BackendsDep,
    address: AddressDep,
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
        request,
        backends,
        caller,
        upload_id=upload_id,
        offset=offset,
        checksum=checksum,
        actor=address,
    )
    return Response(status_code=204, headers=headers)


async def _body(request: Request) -> AsyncIterator[bytes]:
    try:
        async for chunk in request.stream():
            yield chunk
    except ClientDisconnect:
        raise ClientGone from None


async def _append(
    request: Request,
    backends: Backends,
    caller: Caller,
    *,
    upload_id: uuid.UUID,
    offset: int,
    checksum: Checksum | None,
    actor: Actor,
) -> dict[str, str]:
    """One thread hop and one transaction find the caller and lock the upload, then the body
    streams in, then one more commits the offset: a chunk costs little beyond its bytes."""
    owner = uuid.uuid4().hex
    state = await run_in_threadpool(
        partial(flow.begin_patch, backends, caller, upload_id=upload_id, offset=offset, owner=owner)
    )
    try:
        appended = await append_body(
            _body(request), backends, state=state, checksum=checksum, owner=owner
        )
    except BaseException:
        await run_in_threadpool(partial(flow.abort_patch, backends, state, owner=owner))
        raise
    end = await run_in_threadpool(
        partial(
            flow.end_patch,
            backends,
            state,
            new_offset=appended.offset,
            owner=owner,
            digest=appended.digest,
        )
    )
    headers = {"Upload-Offset": str(appended.offset)}
    if end.received_all:
        recording = await run_in_threadpool(
            partial(
                completion.finish_upload,
                backends,
                upload_id,
                max_attempts=backends.settings.job_max_attempts,
                owner=owner,
                actor=actor,
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
    backends: BackendsDep,
    actor: ActorDep,
) -> Response:
    """Stop an upload and remove its bytes (termination)."""
    flow.terminate_upload(backends, viewer, upload_id=upload_id, actor=actor)
    return Response(status_code=204)
