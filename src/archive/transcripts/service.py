"""Reading transcripts, as JSON or as captions, and their earlier versions. Never commits.

Every version of a transcript stays readable; reading any of them follows the same rule as
reading the current one (whoever may see the recording).
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from sqlalchemy.orm import Session

from archive.domain.access import Viewer
from archive.domain.captions import Cue, render_srt, render_txt, render_vtt
from archive.domain.transcript_edits import SegmentChange, SegmentDraft, Word, diff_versions
from archive.errors import NotFound
from archive.models import Segment, Transcript
from archive.recordings.service import get_visible_recording
from archive.transcripts import repository
from archive.transcripts.repository import VersionSummary


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


def etag(version: int) -> str:
    """The transcript's entity tag: its version, which every save makes anew."""
    return f'"v{version}"'


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


def list_versions(
    session: Session, viewer: Viewer | None, recording_id: uuid.UUID
) -> list[VersionSummary]:
    """Newest first; empty while the recording has no transcript yet."""
    get_visible_recording(session, viewer, recording_id)
    return repository.version_summaries(session, recording_id)


def _version(session: Session, recording_id: uuid.UUID, version: int) -> Transcript:
    transcript = repository.transcript_version(session, recording_id, version)
    if transcript is None:
        latest = repository.next_version(session, recording_id) - 1
        have = f"versions 1 to {latest}" if latest else "no transcript yet"
        raise NotFound(
            f"Recording {recording_id} has no transcript version {version}; it has {have}. "
            f"See /api/v1/recordings/{recording_id}/transcript/versions for the list."
        )
    return transcript


def transcript_version(
    session: Session, viewer: Viewer | None, recording_id: uuid.UUID, version: int
) -> Transcript:
    get_visible_recording(session, viewer, recording_id)
    return _version(session, recording_id, version)


def draft_of(segment: Segment) -> SegmentDraft:
    return SegmentDraft(
        start=segment.start,
        end=segment.end,
        text=segment.text,
        speaker=segment.speaker,
        words=tuple(
            Word(
                word=str(w["word"]),
                start=float(w["start"]),
                end=float(w["end"]),
                probability=float(w.get("probability", 1.0)),
            )
            for w in segment.words
        ),
        restricted=segment.restricted,
    )


def drafts_of(transcript: Transcript) -> list[SegmentDraft]:
    return [draft_of(segment) for segment in transcript.segments]


def diff(
    session: Session,
    viewer: Viewer | None,
    recording_id: uuid.UUID,
    from_version: int,
    to_version: int,
) -> list[SegmentChange]:
    get_visible_recording(session, viewer, recording_id)
    old = _version(session, recording_id, from_version)
    new = _version(session, recording_id, to_version)
    return diff_versions(drafts_of(old), drafts_of(new))
