from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from archive.db.base import utcnow
from archive.deps import SessionDep, ViewerDep
from archive.ohms import service

router = APIRouter(tags=["preservation"])


@router.get(
    "/stories/{story_id}/ohms",
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}}},
)
def story_ohms(
    story_id: uuid.UUID,
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    recording_id: Annotated[
        uuid.UUID | None,
        Query(description="Which of the story's recordings (default: its first)."),
    ] = None,
) -> Response:
    """The story as an OHMS XML record (the Nunn Center's Oral History Metadata Synchronizer,
    record version 5.4), for the OHMS viewer: metadata, the transcript with a sync point
    every minute, and an index of segments with titles, synopses, keywords and subjects.
    For whoever may hear the story; restricted parts they may not hear are `[restricted]`."""
    content = service.ohms_xml(
        session,
        viewer,
        story_id=story_id,
        recording_id=recording_id,
        site_url=str(request.base_url).rstrip("/"),
        today=utcnow().date(),
    )
    return Response(
        content=content,
        media_type="application/xml",
        headers={"Content-Disposition": f'inline; filename="story-{story_id}-ohms.xml"'},
    )
