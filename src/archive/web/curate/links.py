"""Upload links: the list, a new link on a page made to be printed with its QR code, and
revoking. The link's token is shown on that page only, once: the archive keeps its hash, so
the QR code cannot be made again later."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from archive.collections import service as collections
from archive.deps import SessionDep
from archive.domain.access import Viewer
from archive.errors import ArchiveError, Unprocessable
from archive.upload_links import service as links
from archive.upload_links.qr import qr_svg
from archive.upload_links.schemas import UploadLinkCreate
from archive.web.curate.common import attempt, back, curator, render, required_id
from archive.web.errors import PageRoute
from archive.web.page import FormPageDep, PageDep

router = APIRouter(route_class=PageRoute)


def _list(session: Session, viewer: Viewer) -> dict[str, Any]:
    found = collections.curated_collections(session, viewer)
    return {
        "links": links.list_links(session, viewer, collection_id=None),
        "collections": found,
        "titles": {c.id: c.title for c in found},
    }


@router.get("/upload-links", name="upload_links_page")
def links_page(page: PageDep, session: SessionDep) -> Response:
    return render(page, "links.html", **_list(session, curator(page)))


def end_of(day: str) -> datetime | None:
    """A last day from a form's date field: until the end of that day, UTC."""
    if not day:
        return None
    try:
        return datetime.combine(date.fromisoformat(day), time(23, 59, 59), tzinfo=UTC)
    except ValueError:
        raise Unprocessable(f"“{day}” is not a date; give the last day as YYYY-MM-DD.") from None


@router.post("/upload-links", name="upload_links_create")
def create_link(
    page: FormPageDep,
    session: SessionDep,
    collection_id: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    max_uploads: Annotated[str, Form()] = "",
    expires_on: Annotated[str, Form()] = "",
) -> Response:
    """Makes the link and answers with its printable page (not a redirect: the token cannot
    be shown again)."""
    viewer = curator(page)
    try:
        with attempt(session):
            data = UploadLinkCreate.model_validate(
                {
                    "collection_id": required_id(
                        collection_id, missing="Pick the collection the link's stories go to."
                    ),
                    "note": note.strip(),
                    "max_uploads": max_uploads.strip() or None,
                    "expires_at": end_of(expires_on.strip()),
                }
            )
            link, token = links.create_link(session, viewer, data=data, actor=page.actor)
            collection = collections.get_collection(
                session, viewer, collection_id=link.collection_id
            )
    except (ArchiveError, ValidationError) as error:
        return render(page, "links.html", error=error, **_list(session, viewer))
    url = str(page.request.url_for("contribute_page")) + f"#{token}"
    return render(
        page,
        "link_print.html",
        url=url,
        qr=qr_svg(url, title=page.gettext("QR code of the upload link")),
        collection_title=collection.title,
        note=link.note,
        expires_at=link.expires_at,
        max_uploads=link.max_uploads,
    )


@router.post("/upload-links/{link_id}/revoke", name="upload_links_revoke")
def revoke_link(link_id: uuid.UUID, page: FormPageDep, session: SessionDep) -> Response:
    viewer = curator(page)
    try:
        with attempt(session):
            links.revoke_link(session, viewer, link_id=link_id, actor=page.actor)
    except ArchiveError as error:
        return render(page, "links.html", error=error, **_list(session, viewer))
    return back("/upload-links", done="revoked")
