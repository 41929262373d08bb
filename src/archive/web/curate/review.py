"""The review queue: stories sent in, oldest first, to publish or reject with a note."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form
from fastapi.responses import Response
from sqlalchemy.orm import Session

from archive.deps import SessionDep
from archive.domain.access import Viewer
from archive.domain.review import ReviewAction
from archive.errors import ArchiveError
from archive.review import service
from archive.review.schemas import ReviewItem
from archive.web.curate.common import attempt, back, curator, render
from archive.web.errors import PageRoute
from archive.web.page import FormPageDep, PageDep

router = APIRouter(route_class=PageRoute)
PAGE_SIZE = 25
DECISIONS = {"publish": ReviewAction.PUBLISH, "reject": ReviewAction.REJECT}
DONE = {ReviewAction.PUBLISH: "published", ReviewAction.REJECT: "rejected"}


def _queue(session: Session, viewer: Viewer, *, offset: int) -> dict[str, Any]:
    stories, total = service.review_queue(
        session, viewer, statuses=[], limit=PAGE_SIZE, offset=offset
    )
    return {
        "items": [ReviewItem.of(story) for story in stories],
        "total": total,
        "offset": offset,
        "page_size": PAGE_SIZE,
    }


@router.get("/review", name="review_page")
def review_page(page: PageDep, session: SessionDep, offset: int = 0) -> Response:
    viewer = curator(page)
    return render(page, "review.html", **_queue(session, viewer, offset=max(0, offset)))


@router.post("/review/{story_id}", name="review_decide")
def decide(
    story_id: uuid.UUID,
    page: FormPageDep,
    session: SessionDep,
    decision: Annotated[Literal["publish", "reject"], Form()],
    note: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    """Publishes or rejects (`review.service.decide_at_once`)."""
    viewer = curator(page)
    action = DECISIONS[decision]
    try:
        with attempt(session):
            service.decide_at_once(
                session, viewer, story_id=story_id, action=action, note=note, actor=page.actor
            )
    except ArchiveError as error:
        return render(page, "review.html", error=error, **_queue(session, viewer, offset=0))
    return back("/review", done=DONE[action])
