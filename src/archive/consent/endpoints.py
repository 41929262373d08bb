from __future__ import annotations

import uuid

from fastapi import APIRouter

from archive.consent import service
from archive.consent.schemas import ConsentIn, ConsentRead, ConsentWithdrawal
from archive.deps import CurrentViewer, SessionDep

router = APIRouter(tags=["consent"])


@router.put("/stories/{story_id}/consent")
def set_consent(
    story_id: uuid.UUID, data: ConsentIn, viewer: CurrentViewer, session: SessionDep
) -> ConsentRead:
    """Record (or correct) the narrator's consent. Archivists only."""
    story = service.set_consent(session, viewer, story_id, data)
    assert story.consent is not None
    return ConsentRead.of(story.consent)


@router.post("/stories/{story_id}/consent/withdraw")
def withdraw_consent(
    story_id: uuid.UUID,
    viewer: CurrentViewer,
    session: SessionDep,
    data: ConsentWithdrawal | None = None,
) -> ConsentRead:
    """Take the story out of search and playback; nothing is deleted."""
    story = service.withdraw_consent(session, viewer, story_id, data or ConsentWithdrawal())
    assert story.consent is not None
    return ConsentRead.of(story.consent)
