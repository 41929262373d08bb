from __future__ import annotations

import uuid

from fastapi import APIRouter, BackgroundTasks, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from archive.deps import ActorDep, BackendsDep, CurrentViewer, SessionDep, StoreDep, ViewerDep
from archive.recordings import flow, service
from archive.recordings.receive import MULTIPART_FILE_BODY, RequestBody
from archive.stories.recording_schemas import RecordingRead

router = APIRouter(tags=["recordings"])


@router.post(
    "/stories/{story_id}/recordings",
    status_code=201,
    openapi_extra=MULTIPART_FILE_BODY,
)
async def upload_recording(
    story_id: uuid.UUID,
    request: Request,
    viewer: CurrentViewer,
    backends: BackendsDep,
    actor: ActorDep,
) -> RecordingRead:
    """Upload one recording in one request (multipart field `file`). For long recordings on
    unreliable connections, use the resumable upload instead."""
    recording = await flow.upload_recording(
        backends, viewer, story_id=story_id, body=body_of(request), actor=actor
    )
    return RecordingRead.of(recording)


def body_of(request: Request) -> RequestBody:
    """The request's body as the upload flows read it."""
    return RequestBody(
        request.stream(),
        request.headers.get("content-type", ""),
        request.headers.get("content-length"),
    )


@router.get("/recordings/{recording_id}")
def get_recording(recording_id: uuid.UUID, viewer: ViewerDep, session: SessionDep) -> RecordingRead:
    """A recording with its status (`queued`, `transcribing`, `ready`, `failed` with the
    error), progress from 0 to 1, and what transcribing it took. 404 for a recording of a
    story you may not know of."""
    return RecordingRead.of(
        service.get_visible_recording(session, viewer, recording_id=recording_id)
    )


@router.get(
    "/recordings/{recording_id}/audio",
    response_class=StreamingResponse,
    responses={200: {"content": {"audio/*": {}}}, 206: {"content": {"audio/*": {}}}},
)
def get_audio(
    recording_id: uuid.UUID,
    request: Request,
    viewer: ViewerDep,
    backends: BackendsDep,
    actor: ActorDep,
) -> Response:
    """The recording's bytes; send `Range: bytes=START-END` to seek. Those who may not hear
    its restricted parts get a copy with them silent (503 while it is being prepared).

    Every answer that carries bytes of material that is not public is audited, once per
    request, whatever its `Range` says; a 416 carries none and is not."""
    read = flow.read_audio(
        backends,
        viewer,
        recording_id=recording_id,
        range_header=request.headers.get("range"),
        actor=actor,
    )
    audio, wanted = read.audio, read.wanted
    headers = {
        "Accept-Ranges": "bytes",
        "ETag": f'"{audio.sha256}"',
        # One address, different bytes for different callers, and a copy that a restriction
        # replaces: a cache may keep it only for one caller, and must ask again.
        "Cache-Control": "private, no-cache" if audio.listening_copy else "private, max-age=3600",
        "Vary": "Authorization",
        # The type is the one the probe found in the bytes; a browser must not guess another.
        "X-Content-Type-Options": "nosniff",
    }
    if wanted is None:
        headers["Content-Length"] = str(audio.size)
        return StreamingResponse(read.body, media_type=audio.content_type, headers=headers)
    headers["Content-Range"] = wanted.content_range(audio.size)
    headers["Content-Length"] = str(wanted.length)
    return StreamingResponse(
        read.body, status_code=206, media_type=audio.content_type, headers=headers
    )


class DeaccessionRequest(BaseModel):
    """Why a recording leaves the archive; kept with its tombstone."""

    reason: str = Field(
        min_length=10,
        max_length=2000,
        examples=["The family asked for it back; consent withdrawn in writing on 2026-11-30."],
    )


@router.post("/recordings/{recording_id}/deaccession")
def deaccession_recording(
    recording_id: uuid.UUID,
    request: DeaccessionRequest,
    viewer: CurrentViewer,
    session: SessionDep,
    store: StoreDep,
    actor: ActorDep,
    background: BackgroundTasks,
) -> RecordingRead:
    """Withdraw a recording's original from the archive, on purpose and for a reason (the
    archivists of its story's community and administrators). Its bytes and listening copy
    are removed and it leaves search; the recording stays as a tombstone (when, who, why,
    its SHA-256) that fixity audits know. Originals are otherwise never changed or removed,
    and this cannot be undone."""
    done = service.deaccession(
        session, viewer, recording_id=recording_id, reason=request.reason, actor=actor
    )
    # After the response, so after the tombstone's commit (the session's unit of work).
    background.add_task(flow.remove_deaccessioned, store, recording_id=recording_id, keys=done.keys)
    return RecordingRead.of(done.recording)
