"""A story's curation page: its details, people, access, protocols and embargo, and its
recordings with the way to their transcripts."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from archive.collections import service as collections
from archive.communities import service as communities
from archive.deps import SessionDep
from archive.domain.access import Access, Viewer
from archive.errors import ArchiveError, PreconditionFailed, Unprocessable
from archive.people import service as people
from archive.people.schemas import PersonRole
from archive.stories import editing
from archive.stories import service as stories
from archive.stories.schemas import StoryRead, StoryUpdate
from archive.web.curate.common import an_id, attempt, back, curator, render, split_terms
from archive.web.errors import PageRoute
from archive.web.page import FormPageDep, PageDep

router = APIRouter(route_class=PageRoute)
PEOPLE_LISTED = 500


def _context(session: Session, viewer: Viewer, *, story_id: uuid.UUID) -> dict[str, Any]:
    story = stories.get_curated_story(session, viewer, story_id=story_id)
    community = story.community_id
    own_people = (
        []
        if community is None
        else people.curated_people(session, viewer, community_id=community, limit=PEOPLE_LISTED)
    )
    own_collections = [
        c for c in collections.curated_collections(session, viewer) if c.community_id == community
    ]
    own_protocols = [
        p for p in communities.curated_protocols(session, viewer) if p.community_id == community
    ]
    names = {
        **{str(p.id): p.name for p in own_people},
        **{str(c.id): c.title for c in own_collections},
        **{str(p.id): p.name for p in own_protocols},
    }
    return {
        "story": StoryRead.of(story),
        "accesses": list(Access),
        "roles": list(PersonRole),
        "collections": own_collections,
        "people": own_people,
        "protocols": own_protocols,
        "names": names,
    }


@router.get("/curate/stories/{story_id}", name="curate_story")
def story_page(story_id: uuid.UUID, page: PageDep, session: SessionDep) -> Response:
    viewer = curator(page)
    return render(page, "story.html", **_context(session, viewer, story_id=story_id))


def _embargo(value: str) -> datetime | None:
    """A date from the form's date field: the embargo ends at its start, in UTC."""
    if not value:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), time(0, 0), tzinfo=UTC)
    except ValueError:
        raise Unprocessable(
            f"“{value}” is not a date; give the day the embargo ends as YYYY-MM-DD."
        ) from None


@router.post("/curate/stories/{story_id}", name="curate_story_save")
def save_story(
    story_id: uuid.UUID,
    page: FormPageDep,
    session: SessionDep,
    version: Annotated[int, Form()],
    title: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    languages: Annotated[str, Form()] = "",
    place: Annotated[str, Form()] = "",
    recorded_date: Annotated[str, Form()] = "",
    subjects: Annotated[str, Form()] = "",
    keywords: Annotated[str, Form()] = "",
    rights: Annotated[str, Form()] = "",
    access: Annotated[str, Form()] = "",
    collection_id: Annotated[str, Form()] = "",
    person_id: Annotated[list[str] | None, Form()] = None,
    role: Annotated[list[str] | None, Form()] = None,
    protocol_ids: Annotated[list[str] | None, Form()] = None,
    protocol_mode: Annotated[str, Form()] = "all",
    embargo_until: Annotated[str, Form()] = "",
) -> Response:
    """Saves the form as one edit made on `version`; a story changed meanwhile is shown as it
    is now, with what was entered beside it."""
    viewer = curator(page)
    entered: dict[str, Any] = {
        "title": title.strip(),
        "description": description,
        "languages": split_terms(languages),
        "place": place.strip() or None,
        "recorded_date": recorded_date.strip() or None,
        "subjects": split_terms(subjects),
        "keywords": split_terms(keywords),
        "rights": rights.strip() or None,
        "access": access,
        "collection_id": an_id(collection_id),
        "people": [
            {"person_id": p, "role": r}
            for p, r in zip(person_id or [], role or [], strict=False)
            if p and r
        ],
        "protocol_ids": [p for p in protocol_ids or [] if p],
        "protocol_mode": protocol_mode,
    }
    try:
        with attempt(session):
            entered["embargo_until"] = _embargo(embargo_until.strip())
            data = StoryUpdate.model_validate(entered)
            editing.update_story(
                session,
                viewer,
                story_id=story_id,
                if_match=editing.etag(version),
                data=data,
                actor=page.actor,
            )
    except PreconditionFailed:
        context = _context(session, viewer, story_id=story_id)
        return render(page, "story.html", status=412, conflict=entered, **context)
    except (ArchiveError, ValidationError) as error:
        return render(
            page, "story.html", error=error, **_context(session, viewer, story_id=story_id)
        )
    return back(f"/curate/stories/{story_id}", done="saved")
