"""A story as an OHMS record, for the OHMS viewer. Never commits. Readable by whoever may
hear the story; the restricted spans the caller may not hear are `[restricted]` in it, as in
every transcript and caption."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.orm import Session

from archive.domain.access import Viewer
from archive.domain.ohms import Line, OhmsRecord, render
from archive.domain.restrictions import RESTRICTED_TEXT
from archive.errors import NotFound
from archive.ohms import repository
from archive.people.schemas import PersonRole
from archive.stories.service import get_visible_story
from archive.transcripts.service import current_transcript, hidden_segments


def ohms_xml(
    session: Session,
    viewer: Viewer | None,
    *,
    story_id: uuid.UUID,
    recording_id: uuid.UUID | None,
    site_url: str,
    today: date,
) -> bytes:
    story = get_visible_story(session, viewer, story_id=story_id, with_recordings=True)
    held = [r for r in story.recordings if r.deaccessioned_at is None]
    recording = next((r for r in held if recording_id is None or r.id == recording_id), None)
    if recording is None:
        raise NotFound(
            f"Story {story_id} has no recording {'' if recording_id is None else recording_id} "
            "to describe in OHMS. Add a recording, or name one of its recordings."
        )
    transcript = current_transcript(session, viewer, recording_id=recording.id)
    hidden = hidden_segments(session, viewer, transcript=transcript)
    lines = tuple(
        Line(
            start=s.start,
            end=s.end,
            text=RESTRICTED_TEXT if s.id in hidden else s.text,
            speaker=None if s.id in hidden else s.speaker,
            word_starts=()
            if s.id in hidden
            else tuple(float(w["start"]) for w in s.words if "start" in w),
        )
        for s in transcript.segments
    )

    def named(role: PersonRole) -> tuple[str, ...]:
        return tuple(p.person.name for p in story.people if p.role == role)

    collection = repository.collection_title(session, story.collection_id)
    record = OhmsRecord(
        record_id=int(story.id.hex[:7], 16),
        cms_record_id=str(story.id),
        title=story.title,
        description=story.description,
        recorded=story.recorded_date,
        duration=recording.duration,
        collection_id=None if story.collection_id is None else str(story.collection_id),
        collection_name=collection,
        repository=repository.community_name(session, story.community_id),
        interviewees=named(PersonRole.NARRATOR),
        interviewers=named(PersonRole.INTERVIEWER),
        subjects=tuple(story.subjects),
        keywords=tuple(story.keywords),
        language=", ".join(story.languages) or transcript.language,
        media_url=f"{site_url}/api/v1/recordings/{recording.id}/audio",
        file_name=recording.original_filename,
        rights=story.rights,
        lines=lines,
    )
    return render(record, today=today)
