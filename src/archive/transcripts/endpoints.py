from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from archive.deps import ActorDep, CurrentViewer, SessionDep, ViewerDep
from archive.recordings.service import note_read
from archive.transcripts import editing, service, translation
from archive.transcripts.schemas import (
    SegmentChangeRead,
    SegmentEdit,
    SegmentSplit,
    TranscriptDiffRead,
    TranscriptRead,
    TranslationRequested,
    VersionRead,
)
from archive.transcripts.service import MEDIA_TYPES, CaptionFormat, Track

router = APIRouter(tags=["transcripts"])

IfMatch = Annotated[
    str | None,
    Header(description='The ETag of the version the change was made on, e.g. `"v3"`. Required.'),
]

_EDIT_RESPONSES: dict[int | str, dict[str, object]] = {
    412: {"description": "The transcript changed since that version; reload it."},
    422: {"description": "The change would leave the transcript broken; the detail says why."},
    428: {"description": "`If-Match` is missing."},
}


@router.get(
    "/recordings/{recording_id}/transcript",
    response_model=TranscriptRead,
    responses={200: {"content": {"text/vtt": {}, "application/x-subrip": {}, "text/plain": {}}}},
)
def get_transcript(
    recording_id: uuid.UUID,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
    actor: ActorDep,
    format: CaptionFormat = CaptionFormat.JSON,
    track: Track = Track.ORIGINAL,
) -> TranscriptRead | Response:
    """The current transcript: JSON with word timings, or captions (`?format=vtt|srt|txt`);
    `?track=translation` for its English translation. `ETag` names its version; send it back
    as `If-Match` to correct it (the original track)."""
    transcript = service.current_transcript(session, viewer, recording_id=recording_id, track=track)
    note_read(session, viewer, recording_id=recording_id, what="transcript", actor=actor)
    hidden = service.hidden_segments(session, viewer, transcript=transcript)
    if format is CaptionFormat.JSON:
        response.headers["ETag"] = service.etag(transcript.version)
        return service.masked(TranscriptRead.of(transcript), hidden)
    suffix = "" if track is Track.ORIGINAL else "-translation"
    filename = f"{recording_id}{suffix}-v{transcript.version}.{format.value}"
    return Response(
        service.render_captions(transcript, format, hidden=hidden),
        media_type=MEDIA_TYPES[format],
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "ETag": service.etag(transcript.version),
        },
    )


@router.patch(
    "/recordings/{recording_id}/transcript/segments/{segment_id}", responses=_EDIT_RESPONSES
)
def edit_segment(
    recording_id: uuid.UUID,
    segment_id: uuid.UUID,
    data: SegmentEdit,
    viewer: CurrentViewer,
    session: SessionDep,
    response: Response,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> TranscriptRead:
    """Corrects one segment's text, speaker, start or end; answers with the new version."""
    transcript = editing.edit(
        session,
        viewer,
        recording_id=recording_id,
        segment_id=segment_id,
        if_match=if_match,
        data=data,
        actor=actor,
    )
    response.headers["ETag"] = service.etag(transcript.version)
    return TranscriptRead.of(transcript)


@router.post(
    "/recordings/{recording_id}/transcript/segments/{segment_id}/split",
    responses=_EDIT_RESPONSES,
)
def split_segment(
    recording_id: uuid.UUID,
    segment_id: uuid.UUID,
    data: SegmentSplit,
    viewer: CurrentViewer,
    session: SessionDep,
    response: Response,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> TranscriptRead:
    """Splits one segment in two at a time inside it; its words go to the half they are in."""
    transcript = editing.split(
        session,
        viewer,
        recording_id=recording_id,
        segment_id=segment_id,
        if_match=if_match,
        at=data.at,
        actor=actor,
    )
    response.headers["ETag"] = service.etag(transcript.version)
    return TranscriptRead.of(transcript)


@router.post(
    "/recordings/{recording_id}/transcript/segments/{segment_id}/merge",
    responses=_EDIT_RESPONSES,
)
def merge_segment(
    recording_id: uuid.UUID,
    segment_id: uuid.UUID,
    viewer: CurrentViewer,
    session: SessionDep,
    response: Response,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> TranscriptRead:
    """Merges one segment with the next into one."""
    transcript = editing.merge(
        session,
        viewer,
        recording_id=recording_id,
        segment_id=segment_id,
        if_match=if_match,
        actor=actor,
    )
    response.headers["ETag"] = service.etag(transcript.version)
    return TranscriptRead.of(transcript)


@router.post("/recordings/{recording_id}/translation", status_code=202)
def request_translation(
    recording_id: uuid.UUID, viewer: CurrentViewer, session: SessionDep, actor: ActorDep
) -> TranslationRequested:
    """Queues an English translation of the recording (archivists of its community). It is
    read, when ready, at `/transcript?track=translation`, and found by search."""
    job = translation.request_translation(session, viewer, recording_id=recording_id, actor=actor)
    return TranslationRequested(recording_id=recording_id, job_id=job.id)


@router.get("/recordings/{recording_id}/transcript/versions")
def list_versions(
    recording_id: uuid.UUID,
    viewer: ViewerDep,
    session: SessionDep,
    track: Track = Track.ORIGINAL,
) -> list[VersionRead]:
    """Every version of the transcript (or of its translation), newest first."""
    return [
        VersionRead.model_validate(v, from_attributes=True)
        for v in service.list_versions(session, viewer, recording_id=recording_id, track=track)
    ]


@router.get("/recordings/{recording_id}/transcript/versions/{version}")
def get_version(
    recording_id: uuid.UUID,
    version: int,
    viewer: ViewerDep,
    session: SessionDep,
    track: Track = Track.ORIGINAL,
) -> TranscriptRead:
    """One version of the transcript (or of its translation), as it was saved."""
    transcript = service.transcript_version(
        session, viewer, recording_id=recording_id, version=version, track=track
    )
    hidden = service.hidden_segments(session, viewer, transcript=transcript)
    return service.masked(TranscriptRead.of(transcript), hidden)


@router.get("/recordings/{recording_id}/transcript/diff")
def diff_versions(
    recording_id: uuid.UUID,
    viewer: ViewerDep,
    session: SessionDep,
    from_version: Annotated[int, Query(alias="from", ge=1, description="The older version.")],
    to_version: Annotated[int, Query(alias="to", ge=1, description="The newer version.")],
) -> TranscriptDiffRead:
    """What changed between two versions, segment by segment, in reading order."""
    changes = service.diff(
        session, viewer, recording_id=recording_id, from_version=from_version, to_version=to_version
    )
    return TranscriptDiffRead(
        recording_id=recording_id,
        from_version=from_version,
        to_version=to_version,
        changes=[SegmentChangeRead.model_validate(c, from_attributes=True) for c in changes],
    )
