"""The transcript editor: correct a line, split, merge, name the speaker, restrict lines with a
reason; a save made on a version someone else has replaced is explained, with both texts, and
the archivist chooses. Versions and what changed between two of them."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from archive.deps import SessionDep
from archive.domain.access import Viewer
from archive.domain.restrictions import Span, masks
from archive.domain.transcript_compare import counterpart, line_runs, word_diff
from archive.errors import ArchiveError, PreconditionFailed, Unprocessable
from archive.events.actor import Actor
from archive.models import Transcript
from archive.recordings.service import get_curated_recording, note_read
from archive.restrictions import service as restrictions
from archive.restrictions.schemas import RestrictionCreate
from archive.stories import service as stories
from archive.transcripts import editing
from archive.transcripts import service as transcripts
from archive.transcripts.schemas import SegmentEdit, TranscriptRead
from archive.web.curate.common import attempt, back, curator, render
from archive.web.errors import PageRoute
from archive.web.page import FormPageDep, Page, PageDep

router = APIRouter(route_class=PageRoute)
EDITOR = "/curate/recordings/{}/transcript"


def _editor(
    session: Session, viewer: Viewer, *, recording_id: uuid.UUID, actor: Actor | None
) -> dict[str, Any]:
    recording = get_curated_recording(
        session, viewer, recording_id=recording_id, doing="correct transcripts"
    )
    story = stories.get_curated_story(session, viewer, story_id=recording.story_id)
    transcript = transcripts.current_transcript(session, viewer, recording_id=recording_id)
    if actor is not None:
        note_read(session, viewer, recording_id=recording_id, what="transcript", actor=actor)
    found = restrictions.list_restrictions(session, viewer, recording_id=recording_id)
    spans = [Span(r.start, r.end) for r in found]
    read = TranscriptRead.of(transcript)
    return {
        "recording_id": recording_id,
        "story": story,
        "transcript": read,
        "lines": [
            {
                "segment": segment,
                "position": position,
                "restricted": row.restricted or masks(spans, start=row.start, end=row.end),
            }
            for position, (segment, row) in enumerate(
                zip(read.segments, transcript.segments, strict=True)
            )
        ],
        "restrictions": found,
    }


@router.get("/curate/recordings/{recording_id}/transcript", name="transcript_editor")
def editor_page(recording_id: uuid.UUID, page: PageDep, session: SessionDep) -> Response:
    viewer = curator(page)
    context = _editor(session, viewer, recording_id=recording_id, actor=page.actor)
    return render(page, "transcript.html", **context)


def _editor_again(
    page: Page, session: Session, viewer: Viewer, *, recording_id: uuid.UUID, error: ArchiveError
) -> Response:
    context = _editor(session, viewer, recording_id=recording_id, actor=None)
    return render(page, "transcript.html", error=error, **context)


def _conflict(
    page: Page,
    session: Session,
    viewer: Viewer,
    *,
    recording_id: uuid.UUID,
    segment_id: uuid.UUID,
    version: int,
    mine: dict[str, str],
) -> Response:
    """The 412 case in words: the line as the archivist found it, as it is now, and as they
    wrote it; they keep theirs (saved on the current version) or the other."""
    context = _editor(session, viewer, recording_id=recording_id, actor=None)
    started: Transcript = transcripts.transcript_version(
        session, viewer, recording_id=recording_id, version=version
    )
    original = next((s for s in started.segments if s.id == segment_id), None)
    current: TranscriptRead = context.pop("transcript")
    now = None
    if original is not None:
        position = counterpart(current.segments, start=original.start, end=original.end)
        now = None if position is None else current.segments[position]
    return render(
        page,
        "conflict.html",
        status=412,
        current=current,
        edited_version=version,
        original=original,
        now=now,
        mine=mine,
        theirs_vs_mine=word_diff(now.text, mine["text"]) if now is not None else [],
        **context,
    )


@router.post("/curate/recordings/{recording_id}/segments/{segment_id}", name="transcript_line")
def change_line(
    recording_id: uuid.UUID,
    segment_id: uuid.UUID,
    page: FormPageDep,
    session: SessionDep,
    version: Annotated[int, Form()],
    action: Annotated[Literal["save", "split", "merge"], Form()] = "save",
    text: Annotated[str, Form(max_length=20_000)] = "",
    speaker: Annotated[str, Form(max_length=200)] = "",
    at: Annotated[float | None, Form()] = None,
    position: Annotated[int, Form()] = 0,
) -> Response:
    """One correction of one line, made on `version` of the transcript."""
    viewer = curator(page)
    line = {"recording_id": recording_id, "segment_id": segment_id}
    if_match = transcripts.etag(version)
    try:
        with attempt(session):
            if action == "merge":
                editing.merge(session, viewer, **line, if_match=if_match, actor=page.actor)
            elif action == "split":
                if at is None:
                    raise Unprocessable("Say where to split the line: a time in seconds inside it.")
                editing.split(session, viewer, **line, if_match=if_match, at=at, actor=page.actor)
            else:
                edit = SegmentEdit(text=text, speaker=speaker.strip() or None)
                editing.edit(
                    session, viewer, **line, if_match=if_match, data=edit, actor=page.actor
                )
    except PreconditionFailed as stale:
        if action == "save":
            return _conflict(
                page,
                session,
                viewer,
                recording_id=recording_id,
                segment_id=segment_id,
                version=version,
                mine={"text": text, "speaker": speaker},
            )
        stale.detail = page.gettext(
            "Someone else saved this transcript while you were looking at it, so nothing was "
            "changed. Here it is as it is now: split or merge the line again if it still "
            "needs it."
        )
        return _editor_again(page, session, viewer, recording_id=recording_id, error=stale)
    except ArchiveError as error:
        return _editor_again(page, session, viewer, recording_id=recording_id, error=error)
    return back(EDITOR.format(recording_id), done="saved", anchor=f"#line-{position}")


@router.post("/curate/recordings/{recording_id}/restrictions", name="restrict_lines")
def restrict_lines(
    recording_id: uuid.UUID,
    page: FormPageDep,
    session: SessionDep,
    reason: Annotated[str, Form(max_length=2000)] = "",
    line: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Restricts the stretch of the recording under the lines picked: one span per run of
    neighbouring lines, each with the reason given."""
    viewer = curator(page)
    picked = set(line or [])
    try:
        with attempt(session):
            transcript = transcripts.current_transcript(session, viewer, recording_id=recording_id)
            positions = [i for i, s in enumerate(transcript.segments) if str(s.id) in picked]
            runs = line_runs(transcript.segments, positions)
            if not runs:
                raise Unprocessable(
                    "Pick the lines to restrict (tick the box beside each), then press "
                    "“Restrict the lines picked”."
                )
            if not reason.strip():
                raise Unprocessable(
                    "Say why these lines are restricted, for the other archivists; "
                    "listeners never see the reason."
                )
            for start, end in runs:
                restrictions.add_restriction(
                    session,
                    viewer,
                    recording_id=recording_id,
                    data=RestrictionCreate(start=start, end=end, reason=reason),
                    actor=page.actor,
                )
    except ArchiveError as error:
        return _editor_again(page, session, viewer, recording_id=recording_id, error=error)
    return back(EDITOR.format(recording_id), done="restricted", anchor="#restrictions")


@router.post(
    "/curate/recordings/{recording_id}/restrictions/{restriction_id}/lift",
    name="lift_restriction",
)
def lift_restriction(
    recording_id: uuid.UUID, restriction_id: uuid.UUID, page: FormPageDep, session: SessionDep
) -> Response:
    viewer = curator(page)
    try:
        with attempt(session):
            restrictions.remove_restriction(
                session,
                viewer,
                recording_id=recording_id,
                restriction_id=restriction_id,
                actor=page.actor,
            )
    except ArchiveError as error:
        return _editor_again(page, session, viewer, recording_id=recording_id, error=error)
    return back(EDITOR.format(recording_id), done="lifted", anchor="#restrictions")


def _curated(session: Session, viewer: Viewer, *, recording_id: uuid.UUID, doing: str) -> Any:
    recording = get_curated_recording(session, viewer, recording_id=recording_id, doing=doing)
    return stories.get_curated_story(session, viewer, story_id=recording.story_id)


@router.get("/curate/recordings/{recording_id}/versions", name="transcript_versions")
def versions_page(recording_id: uuid.UUID, page: PageDep, session: SessionDep) -> Response:
    viewer = curator(page)
    story = _curated(
        session, viewer, recording_id=recording_id, doing="see a transcript's versions"
    )
    versions = transcripts.list_versions(session, viewer, recording_id=recording_id)
    return render(page, "versions.html", recording_id=recording_id, story=story, versions=versions)


@router.get("/curate/recordings/{recording_id}/diff", name="transcript_diff")
def diff_page(
    recording_id: uuid.UUID,
    page: PageDep,
    session: SessionDep,
    from_version: Annotated[int, Query(alias="from", ge=1)],
    to_version: Annotated[int, Query(alias="to", ge=1)],
) -> Response:
    viewer = curator(page)
    story = _curated(
        session, viewer, recording_id=recording_id, doing="compare a transcript's versions"
    )
    changes = transcripts.diff(
        session,
        viewer,
        recording_id=recording_id,
        from_version=from_version,
        to_version=to_version,
    )
    shown = [
        {
            "change": change,
            "words": word_diff(change.before.text, change.after.text)
            if change.before is not None and change.after is not None
            else [],
        }
        for change in changes
    ]
    return render(
        page,
        "diff.html",
        recording_id=recording_id,
        story=story,
        from_version=from_version,
        to_version=to_version,
        changes=shown,
    )
