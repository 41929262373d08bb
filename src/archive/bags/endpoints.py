from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from archive.bags import service, writer
from archive.deps import ActorDep, CurrentViewer, SessionDep, StoreDep

router = APIRouter(tags=["preservation"])


@router.get(
    "/stories/{story_id}/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-tar": {}}}},
)
def export_story(
    story_id: uuid.UUID,
    viewer: CurrentViewer,
    session: SessionDep,
    store: StoreDep,
    actor: ActorDep,
    masked: Annotated[
        bool,
        Query(
            description="For someone without the right to hear restricted parts: their text "
            "masked, the audio silent there, and bag-info.txt saying so."
        ),
    ] = False,
) -> StreamingResponse:
    """The story as a BagIt 1.0 bag (RFC 8493) in an uncompressed tar: the original media
    byte for byte, every transcript version (JSON, WebVTT, SRT, text), metadata (JSON and
    Dublin Core), people, consent and its document, restrictions, and the story's events
    (PREMIS-style). For the archivists of its community and administrators. `archive import`
    brings it into this or another archive."""
    plan = service.plan_story_bag(session, viewer, story_id=story_id, masked=masked, actor=actor)
    return StreamingResponse(
        writer.stream_tar(plan, store),
        media_type="application/x-tar",
        headers={"Content-Disposition": f'attachment; filename="{plan.name}.tar"'},
    )
