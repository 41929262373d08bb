"""A story's page: who tells it (a content warning first where a narrator has passed away),
its details, and each recording's player with its transcript beside it, kept in step as it
plays. The same reads as the API (`GET /api/v1/stories/{id}`, the transcript, search with
`story_id`): restricted segments are masked, reads of closed material are audited."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy.orm import Session

from archive.deps import IndexDep, SessionDep
from archive.discovery import service as discovery
from archive.domain.access import can_curate
from archive.errors import BadRequest, NotFound
from archive.recordings.service import note_read
from archive.search.base import SearchFilters, SearchHit
from archive.stories import service as stories
from archive.stories.reading import read_story
from archive.stories.recording_schemas import RecordingRead
from archive.transcripts import service as transcripts
from archive.transcripts.schemas import TranscriptRead
from archive.web.errors import PageRoute
from archive.web.page import Page, PageDep
from archive.web.time import clock

router = APIRouter(route_class=PageRoute, include_in_schema=False)

LOW_CONFIDENCE = 0.5
"""Below this mean token probability a segment is shown to archivists as uncertain."""
IN_STORY_HITS = 50


@dataclass(frozen=True, slots=True)
class Listening:
    recording: RecordingRead
    transcript: TranscriptRead | None


def _listening(page: Page, session: Session, recording: RecordingRead) -> Listening:
    if recording.status != "ready":
        return Listening(recording, None)
    try:
        transcript = transcripts.current_transcript(session, page.viewer, recording_id=recording.id)
    except NotFound:
        return Listening(recording, None)
    note_read(session, page.viewer, recording_id=recording.id, what="transcript", actor=page.actor)
    hidden = transcripts.hidden_segments(session, page.viewer, transcript=transcript)
    return Listening(recording, transcripts.masked(TranscriptRead.of(transcript), hidden))


@router.get("/stories/{story_id}")
def story_page(
    story_id: uuid.UUID,
    page: PageDep,
    session: SessionDep,
    index: IndexDep,
    q: str = "",
) -> Response:
    story, full = stories.get_listed_story(session, page.viewer, story_id=story_id)
    read = read_story(session, page.viewer, story=story, full=full)
    listenings = [_listening(page, session, r) for r in read.recordings] if full else []
    hits: list[SearchHit] = []
    problem = None
    if full and q.strip():
        try:
            hits = list(
                discovery.search(
                    session,
                    index,
                    audit=session,
                    viewer=page.viewer,
                    actor=page.actor,
                    query=q,
                    filters=SearchFilters(story_id=story_id),
                    offset=0,
                    limit=IN_STORY_HITS,
                ).result.hits
            )
        except BadRequest as refused:
            problem = refused.detail
        hits.sort(key=lambda hit: (str(hit.recording_id), hit.start))
    return page.render(
        "story.html",
        context={
            "story": read,
            "listenings": listenings,
            "narrators": [p for p in read.people if p.role == "narrator"],
            "others": [p for p in read.people if p.role != "narrator"],
            "curator": can_curate(page.viewer, stories.story_access(story)),
            "low_confidence": LOW_CONFIDENCE,
            "q": q,
            "hits": hits,
            "problem": problem,
            "clock": clock,
        },
    )
