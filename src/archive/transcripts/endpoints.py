from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from archive.deps import SessionDep, ViewerDep
from archive.transcripts import service
from archive.transcripts.schemas import TranscriptRead
from archive.transcripts.service import MEDIA_TYPES, CaptionFormat

router = APIRouter(tags=["transcripts"])


@router.get(
    "/recordings/{recording_id}/transcript",
    response_model=TranscriptRead,
    responses={200: {"content": {"text/vtt": {}, "application/x-subrip": {}, "text/plain": {}}}},
)
def get_transcript(
    recording_id: uuid.UUID,
    viewer: ViewerDep,
    session: SessionDep,
    format: CaptionFormat = CaptionFormat.JSON,
) -> TranscriptRead | Response:
    """The current transcript: JSON with word timings, or captions (`?format=vtt|srt|txt`)."""
    transcript = service.current_transcript(session, viewer, recording_id)
    if format is CaptionFormat.JSON:
        return TranscriptRead.of(transcript)
    filename = f"{recording_id}-v{transcript.version}.{format.value}"
    return Response(
        service.render_captions(transcript, format),
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )
