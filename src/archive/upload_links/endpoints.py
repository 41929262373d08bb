from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response

from archive.deps import ActorDep, CurrentViewer, SessionDep
from archive.upload_links import service
from archive.upload_links.schemas import (
    UploadLinkCreate,
    UploadLinkCreated,
    UploadLinkCurrent,
    UploadLinkRead,
)

router = APIRouter(tags=["upload links"])


@router.post("/upload-links", status_code=201)
def create_upload_link(
    data: UploadLinkCreate,
    request: Request,
    viewer: CurrentViewer,
    session: SessionDep,
    actor: ActorDep,
) -> UploadLinkCreated:
    """A link for someone without an account to add stories to one collection."""
    link, token = service.create_link(session, viewer, data=data, actor=actor)
    url = str(request.url_for("contribute_page")) + f"#{token}"
    read = UploadLinkRead.model_validate(link, from_attributes=True)
    return UploadLinkCreated(**read.model_dump(), token=token, url=url)


@router.get("/upload-links")
def list_upload_links(
    viewer: CurrentViewer, session: SessionDep, collection_id: uuid.UUID | None = None
) -> list[UploadLinkRead]:
    """The upload links of your communities' collections, newest first (never their tokens)."""
    links = service.list_links(session, viewer, collection_id=collection_id)
    return [UploadLinkRead.model_validate(link, from_attributes=True) for link in links]


@router.get("/upload-links/current")
def current_upload_link(viewer: CurrentViewer, session: SessionDep) -> UploadLinkCurrent:
    """For the holder of a link: its note, collection and what is left of it."""
    return service.describe_current(session, viewer)


@router.delete("/upload-links/{link_id}", status_code=204)
def revoke_upload_link(
    link_id: uuid.UUID, viewer: CurrentViewer, session: SessionDep, actor: ActorDep
) -> Response:
    """Revokes an upload link (204): its token stops working at once; what came in through
    it stays."""
    service.revoke_link(session, viewer, link_id=link_id, actor=actor)
    return Response(status_code=204)
