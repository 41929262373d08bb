"""Access requests waiting in the archivist's communities, to grant for a while or refuse."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form
from fastapi.responses import Response
from sqlalchemy.orm import Session

from archive.access_requests import service as requests
from archive.access_requests.schemas import AccessDecision
from archive.deps import SessionDep
from archive.domain.access import Viewer
from archive.errors import ArchiveError
from archive.web.curate.common import attempt, back, curator, render
from archive.web.curate.links import end_of
from archive.web.errors import PageRoute
from archive.web.page import FormPageDep, PageDep

router = APIRouter(route_class=PageRoute)


def _pending(session: Session, viewer: Viewer) -> dict[str, Any]:
    return {
        "requests": [
            {"grant": grant, "title": title, "username": username}
            for grant, title, username in requests.pending_for_curator(session, viewer)
        ],
        "default_days": requests.DEFAULT_GRANT.days,
    }


@router.get("/access-requests", name="access_requests_page")
def requests_page(page: PageDep, session: SessionDep) -> Response:
    return render(page, "access.html", **_pending(session, curator(page)))


@router.post("/access-requests/{request_id}", name="access_requests_decide")
def decide(
    request_id: uuid.UUID,
    page: FormPageDep,
    session: SessionDep,
    decision: Annotated[Literal["grant", "refuse"], Form()],
    ends_on: Annotated[str, Form()] = "",
    note: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    viewer = curator(page)
    try:
        with attempt(session):
            data = AccessDecision(
                decision=decision,
                ends_at=end_of(ends_on.strip()) if decision == "grant" else None,
                note=note.strip(),
            )
            requests.decide(session, viewer, request_id=request_id, data=data, actor=page.actor)
    except ArchiveError as error:
        return render(page, "access.html", error=error, **_pending(session, viewer))
    return back("/access-requests", done="granted" if decision == "grant" else "refused")
