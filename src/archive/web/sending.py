"""Recording and sending a story: /upload for people with an account who may add stories,
/contribute for the holder of an upload link (its token is in the address's fragment, never
sent to the server with the page). Both send with tus through `/api/v1/uploads`, so the story
is made, with the narrator's consent, only when the last byte has arrived."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.responses import Response

from archive.communities.service import list_communities
from archive.deps import SessionDep
from archive.domain.access import Role, can_create_story
from archive.errors import Forbidden, Unauthorized
from archive.web.errors import PageRoute
from archive.web.page import PageDep

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@dataclass(frozen=True, slots=True)
class CommunityChoice:
    id: uuid.UUID
    name: str


@router.get("/upload")
def upload_page(page: PageDep, session: SessionDep) -> Response:
    viewer = page.viewer
    if viewer is None:
        raise Unauthorized("Sign in to add a story.")
    if not can_create_story(viewer):
        raise Forbidden(
            page.gettext(
                "Your account may listen and search but not add stories. Ask an archivist of "
                "your community for a contributor account, or for an upload link."
            )
        )
    communities = [
        CommunityChoice(c.id, c.name)
        for c in list_communities(session)
        if viewer.role is Role.ADMIN or c.id in viewer.member_of
    ]
    return page.render("send.html", context={"mode": "account", "communities": communities})


@router.get("/contribute", name="contribute_page")
def contribute_page(page: PageDep) -> Response:
    """Where the holder of an upload link adds a story; the link's token is in the fragment."""
    return page.render("send.html", context={"mode": "link", "communities": []})
