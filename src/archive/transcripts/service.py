"""Reading transcripts, as JSON or as captions. Never commits."""

from __future__ import annotations

import uuid
from enum import StrEnum

from sqlalchemy.orm import Session

from archive.domain.access import Viewer
from archive.domain.captions import Cue, render_srt, render_txt, render_vtt
from archive.errors import NotFound
from archive.models import Transcript
from archive.recordings.service import get_visible_recording
from archive.transcripts import repository


class CaptionFormat(StrEnum):
    JSON = "json"
    VTT = "vtt"
    SRT = "srt"
    TXT = "txt"


MEDIA_TYPES = {
    CaptionFormat.VTT: "text/vtt; charset=utf-8",
    CaptionFormat.SRT: "application/x-subrip; charset=utf-8",
    CaptionFormat.TXT: "text/plain; charset=utf-8",
}


def current_transcript(
    session: Session, viewer: Viewer | None, recording_id: uuid.UUID
) -> Transcript:
    recording = get_visible_recording(session, viewer, recording_id)
    transcript = repository.latest_transcript(session, recording_id)
    if transcript is None:
        raise NotFound(
            f"Recording {recording_id} has no transcript yet (it is {recording.status}). "
            "Follow its progress at /api/v1/recordings/{id} and ask again when it is ready."
        )
    return transcript


def render_captions(transcript: Transcript, fmt: CaptionFormat) -> str:
    cues = [Cue(s.start, s.end, s.text, s.speaker) for s in transcript.segments]
    renderers = {
        CaptionFormat.VTT: render_vtt,
        CaptionFormat.SRT: render_srt,
        CaptionFormat.TXT: render_txt,
    }
    return renderers[fmt](cues)
