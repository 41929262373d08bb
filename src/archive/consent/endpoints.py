from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from archive.consent import flow, service
from archive.deps import ActorDep, BackendsDep, CurrentViewer, SessionDep
from archive.recordings.endpoints import body_of
from archive.recordings.receive import MULTIPART_FILE_BODY
from archive.stories.consent_schemas import ConsentIn, ConsentRead, ConsentWithdrawal

router = APIRouter(tags=["consent"])


@router.put("/stories/{story_id}/consent")
def set_consent(
    story_id: uuid.UUID,
    data: ConsentIn,
    *,
    viewer: CurrentViewer,
    session: SessionDep,
    actor: ActorDep,
) -> ConsentRead:
    """Record (or correct) the narrator's consent. Archivists only."""
    story = service.set_consent(session, viewer, story_id=story_id, data=data, actor=actor)
    assert story.consent is not None
    return ConsentRead.of(story.consent)


@router.post("/stories/{story_id}/consent/withdraw")
def withdraw_consent(
    story_id: uuid.UUID,
    viewer: CurrentViewer,
    *,
    session: SessionDep,
    actor: ActorDep,
    data: ConsentWithdrawal | None = None,
) -> ConsentRead:
    """Take the story out of search and playback; nothing is deleted."""
    story = service.withdraw_consent(
        session, viewer, story_id=story_id, data=data or ConsentWithdrawal(), actor=actor
    )
    assert story.consent is not None
    return ConsentRead.of(story.consent)


@router.post(
    "/stories/{story_id}/consent/document",
    openapi_extra=MULTIPART_FILE_BODY,
)
async def add_consent_document(
    story_id: uuid.UUID,
    request: Request,
    viewer: CurrentViewer,
    backends: BackendsDep,
    actor: ActorDep,
) -> ConsentRead:
    """The consent itself: a scanned form (PDF or image) or a recorded statement, kept
    write-once like any original (multipart field `file`)."""
    consent = await flow.add_document(
        backends, viewer, story_id=story_id, body=body_of(request), actor=actor
    )
    return ConsentRead.of(consent)


@router.get("/stories/{story_id}/consent/document", response_class=StreamingResponse)
def get_consent_document(
    story_id: uuid.UUID, viewer: CurrentViewer, backends: BackendsDep
) -> Response:
    """The signed consent document kept with a story, as it was uploaded, to its community's
    archivists and whoever put the story in."""
    document = flow.read_document(backends, viewer, story_id=story_id)
    return StreamingResponse(
        document.body,
        media_type=document.content_type,
        headers={
            "Content-Length": str(document.size),
            "Cache-Control": "private, no-store",
        },
    )
