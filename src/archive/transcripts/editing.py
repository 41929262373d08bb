"""Correcting a transcript: every save is a new human version. Never commits.

A save names the version it was made on (`If-Match: "vN"`). The check happens inside the
save's transaction with the recording's row held (PostgreSQL) or the database's one write lock
(SQLite), so of two saves made on the same version the second always finds it stale and is
refused with 412; the unique (recording, version) constraint backs that up, and a clash on it
is answered the same way, never with a 500. The new version, its audit event and the index job
that brings search up to date are written in that one transaction.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from archive.domain.access import Viewer
from archive.domain.transcript_edits import (
    KEEP,
    EditRejected,
    SegmentDraft,
    align,
    diff_versions,
    edit_segment,
    merge_with_next,
    split_segment,
)
from archive.errors import (
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    Unprocessable,
)
from archive.events.actor import Actor
from archive.events.repository import record
from archive.jobs.reindex import reindex_after_commit
from archive.models import Recording, Segment, Transcript
from archive.recordings.service import get_curated_recording, require_held
from archive.transcripts import repository
from archive.transcripts.schemas import SegmentChangeRead, SegmentEdit
from archive.transcripts.service import drafts_of, etag

log = logging.getLogger(__name__)

Operation = Callable[[list[SegmentDraft], int], list[SegmentDraft]]

# Strong or weak: a proxy that compresses may weaken the tag on its way to the client, and a
# version number means the same either way.
_ENTITY_TAG = re.compile(r'(?:W/)?"v(\d+)"|\bv(\d+)\b')


def versions_in_if_match(header: str) -> set[int]:
    """The transcript versions an `If-Match` header names (`"v3"`, or a list of them)."""
    return {int(a or b) for a, b in _ENTITY_TAG.findall(header)}


def edit(
    session: Session,
    viewer: Viewer,
    *,
    recording_id: uuid.UUID,
    segment_id: uuid.UUID,
    if_match: str | None,
    data: SegmentEdit,
    actor: Actor,
) -> Transcript:
    given = data.model_fields_set

    def apply(segments: list[SegmentDraft], index: int) -> list[SegmentDraft]:
        return edit_segment(
            segments,
            index,
            text=data.text if "text" in given and data.text is not None else KEEP,
            speaker=data.speaker if "speaker" in given else KEEP,
            start=data.start if "start" in given and data.start is not None else KEEP,
            end=data.end if "end" in given and data.end is not None else KEEP,
        )

    return _save(
        session,
        viewer,
        recording_id=recording_id,
        segment_id=segment_id,
        if_match=if_match,
        operation="edit",
        apply=apply,
        actor=actor,
    )


def split(
    session: Session,
    viewer: Viewer,
    *,
    recording_id: uuid.UUID,
    segment_id: uuid.UUID,
    if_match: str | None,
    at: float,
    actor: Actor,
) -> Transcript:
    def apply(segments: list[SegmentDraft], index: int) -> list[SegmentDraft]:
        return split_segment(segments, index, at=at)

    return _save(
        session,
        viewer,
        recording_id=recording_id,
        segment_id=segment_id,
        if_match=if_match,
        operation="split",
        apply=apply,
        actor=actor,
    )


def merge(
    session: Session,
    viewer: Viewer,
    *,
    recording_id: uuid.UUID,
    segment_id: uuid.UUID,
    if_match: str | None,
    actor: Actor,
) -> Transcript:
    return _save(
        session,
        viewer,
        recording_id=recording_id,
        segment_id=segment_id,
        if_match=if_match,
        operation="merge",
        apply=merge_with_next,
        actor=actor,
    )


def _check_editor(session: Session, viewer: Viewer, *, recording_id: uuid.UUID) -> Recording:
    """The recording, if the caller may correct its transcript and it is still held (a
    deaccessioned one's words are no longer read, nor changed)."""
    recording = get_curated_recording(
        session, viewer, recording_id=recording_id, doing="correct transcripts"
    )
    require_held(recording)
    return recording


def _current(session: Session, recording_id: uuid.UUID, *, if_match: str | None) -> Transcript:
    if if_match is None or not if_match.strip() or if_match.strip() == "*":
        raise PreconditionRequired(
            "Say which version you corrected: send the transcript's ETag back as "
            '`If-Match: "vN"` (GET /api/v1/recordings/{id}/transcript gives it), so that '
            "nobody's correction is overwritten unseen."
        )
    repository.lock_recording_for_edit(session, recording_id)
    current = repository.latest_transcript(session, recording_id)
    if current is None:
        raise NotFound(
            f"Recording {recording_id} has no transcript to correct yet. Wait until it is "
            "transcribed, then load the transcript and correct it."
        )
    if current.version not in versions_in_if_match(if_match):
        raise _stale(current.version, if_match)
    return current


def _stale(current: int, if_match: str) -> PreconditionFailed:
    return PreconditionFailed(
        f"The transcript has changed since you loaded it: you sent If-Match {if_match.strip()}"
        f", and it is now at version {current}. Reload it (GET .../transcript), make your "
        f"correction again on what it says now, and send `If-Match: {etag(current)}`.",
        headers={"ETag": etag(current)},
    )


def _position(current: Transcript, segment_id: uuid.UUID) -> int:
    for position, segment in enumerate(current.segments):
        if segment.id == segment_id:
            return position
    raise NotFound(
        f"Segment {segment_id} is not in the current version (v{current.version}) of this "
        "transcript. Segment ids change with every version: reload the transcript and use the "
        "ids it lists."
    )


def _save(
    session: Session,
    viewer: Viewer,
    *,
    recording_id: uuid.UUID,
    segment_id: uuid.UUID,
    if_match: str | None,
    operation: str,
    apply: Operation,
    actor: Actor,
) -> Transcript:
    recording = _check_editor(session, viewer, recording_id=recording_id)
    current = _current(session, recording_id, if_match=if_match)
    index = _position(current, segment_id)
    old = drafts_of(current)
    try:
        new = apply(old, index)
    except EditRejected as exc:
        raise Unprocessable(str(exc)) from None
    base = current.version
    transcript = Transcript(
        recording_id=recording_id,
        version=base + 1,
        source="human",
        model=current.model,
        language=current.language,
        language_probability=current.language_probability,
        author_id=viewer.user_id,
    )
    transcript.segments = _rows(current.segments, old, new=new)
    try:
        repository.add_transcript(session, transcript)
    except IntegrityError:
        # Another writer took this version number between our check and our write. The
        # transaction is over (rolled back), so only plain values are used from here on.
        log.info("transcript.edit_raced recording=%s version=%d", recording_id, base + 1)
        raise _stale(base + 1, if_match or "") from None
    reindex_after_commit(session, [recording_id])
    record(
        session,
        actor,
        action="transcript.edited",
        subject=recording,
        details=_details(operation, segment_id, base_version=base, old=old, new=new),
    )
    log.info(
        "transcript.edited recording=%s operation=%s version=%d",
        recording_id,
        operation,
        transcript.version,
    )
    return transcript


def _rows(
    previous: list[Segment], old: list[SegmentDraft], *, new: list[SegmentDraft]
) -> list[Segment]:
    """New segment rows for `new`. A segment whose text is unchanged keeps the speech model's
    judgement of it (confidence, flag); one whose text a person changed loses it."""
    rows: list[Segment] = []
    source: dict[int, Segment] = {
        j: previous[i]
        for i, j in align(old, new)
        if i is not None and j is not None and old[i].text == new[j].text
    }
    for position, draft in enumerate(new):
        kept = source.get(position)
        rows.append(
            Segment(
                position=position,
                start=draft.start,
                end=draft.end,
                text=draft.text,
                speaker=draft.speaker,
                words=[
                    {"word": w.word, "start": w.start, "end": w.end, "probability": w.probability}
                    for w in draft.words
                ],
                avg_logprob=kept.avg_logprob if kept else None,
                compression_ratio=kept.compression_ratio if kept else None,
                no_speech_prob=kept.no_speech_prob if kept else None,
                flagged=kept.flagged if kept else False,
                restricted=draft.restricted,
            )
        )
    return rows


def _details(
    operation: str,
    segment_id: uuid.UUID,
    *,
    base_version: int,
    old: list[SegmentDraft],
    new: list[SegmentDraft],
) -> dict[str, Any]:
    return {
        "operation": operation,
        "segment_id": str(segment_id),
        "from_version": base_version,
        "to_version": base_version + 1,
        "changes": [
            SegmentChangeRead.model_validate(change, from_attributes=True).model_dump(mode="json")
            for change in diff_versions(old, new)
        ],
    }
