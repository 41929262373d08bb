"""Reading transcripts, as JSON or as captions, and their earlier versions. Never commits.

Every version of a transcript stays readable; reading any of them follows the same rule as
reading the current one (whoever may see the recording). For those who may not hear restricted
material, every segment that overlaps a restricted span of the recording (or is marked
restricted itself) reads `[restricted]`, without its words, in every version, format and diff;
the spans are read with the transcript, so a change shows at once. The translation track is
masked by time: by the spans, and by the times of the current original's segments marked
restricted (`domain.restrictions.translation_spans`).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Collection
from enum import StrEnum

from sqlalchemy.orm import Session

from archive.domain.access import Viewer
from archive.domain.captions import Cue, render_srt, render_txt, render_vtt
from archive.domain.restrictions import (
    RESTRICTED_TEXT,
    Span,
    can_hear_restricted,
    masks,
    translation_spans,
)
from archive.domain.transcript_edits import SegmentChange, SegmentDraft, Word, diff_versions
from archive.errors import NotFound
from archive.models import Segment, Transcript
from archive.recordings import repository as recordings_repository
from archive.recordings.service import get_held_recording
from archive.stories.service import story_access
from archive.transcripts import repository
from archive.transcripts.repository import VersionSummary
from archive.transcripts.schemas import TranscriptRead


class Track(StrEnum):
    """Which transcript of a recording: `original` (what was said) or `translation` (its
    English translation)."""

    ORIGINAL = "original"
    TRANSLATION = "translation"


class CaptionFormat(StrEnum):
    """A transcript as captions or text: WebVTT (`vtt`), SubRip (`srt`) or plain text
    (`txt`)."""

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
    session: Session,
    viewer: Viewer | None,
    *,
    recording_id: uuid.UUID,
    track: Track = Track.ORIGINAL,
) -> Transcript:
    recording = get_held_recording(session, viewer, recording_id=recording_id)
    transcript = repository.latest_transcript(session, recording_id, kind=track.value)
    if transcript is None and track is Track.TRANSLATION:
        raise NotFound(
            f"Recording {recording_id} has no translation yet. An archivist asks for one with "
            f"POST /api/v1/recordings/{recording_id}/translation (or sets `translate: true` on "
            "the story before uploading); it is ready a few minutes later."
        )
    if transcript is None:
        raise NotFound(
            f"Recording {recording_id} has no transcript yet (it is {recording.status}). "
            "Follow its progress at /api/v1/recordings/{id} and ask again when it is ready."
        )
    return transcript


def _spans_hidden_from(
    session: Session,
    viewer: Viewer | None,
    *,
    recording_id: uuid.UUID,
    track: str = Track.ORIGINAL,
) -> list[Span] | None:
    """The restricted spans this caller may not hear on `track`; None for one who hears
    everything."""
    found = recordings_repository.get_recording_with_story(session, recording_id)
    if found is None or can_hear_restricted(viewer, story_access(found[1])):
        return None
    spans = recordings_repository.spans_for_recording(session, recording_id)
    if track != Track.ORIGINAL:
        original = repository.latest_transcript(session, recording_id)
        marked = [(s.start, s.end) for s in (original.segments if original else []) if s.restricted]
        return translation_spans(spans, marked)
    return spans


def _hides(spans: list[Span] | None, segment: Segment | SegmentDraft) -> bool:
    return spans is not None and (
        segment.restricted or masks(spans, start=segment.start, end=segment.end)
    )


def hidden_segments(
    session: Session, viewer: Viewer | None, *, transcript: Transcript
) -> frozenset[uuid.UUID]:
    """The ids of the segments this caller is shown as `[restricted]`."""
    spans = _spans_hidden_from(
        session, viewer, recording_id=transcript.recording_id, track=transcript.kind
    )
    return frozenset(s.id for s in transcript.segments if _hides(spans, s))


def masked(read: TranscriptRead, hidden: Collection[uuid.UUID]) -> TranscriptRead:
    """`read` with each hidden segment's text `[restricted]` and its words taken out; its
    times, speaker and confidence stay."""
    if not hidden:
        return read
    segments = [
        s.model_copy(update={"text": RESTRICTED_TEXT, "words": []}) if s.id in hidden else s
        for s in read.segments
    ]
    return read.model_copy(update={"segments": segments})


def render_captions(
    transcript: Transcript, fmt: CaptionFormat, *, hidden: Collection[uuid.UUID] = frozenset()
) -> str:
    cues = [
        Cue(s.start, s.end, RESTRICTED_TEXT if s.id in hidden else s.text, s.speaker, s.language)
        for s in transcript.segments
    ]
    if fmt is CaptionFormat.VTT:
        return render_vtt(cues, language=transcript.language)
    return render_srt(cues) if fmt is CaptionFormat.SRT else render_txt(cues)


def list_versions(
    session: Session,
    viewer: Viewer | None,
    *,
    recording_id: uuid.UUID,
    track: Track = Track.ORIGINAL,
) -> list[VersionSummary]:
    """Newest first; empty while the recording has no transcript (of that track) yet."""
    get_held_recording(session, viewer, recording_id=recording_id)
    return repository.version_summaries(session, recording_id, kind=track.value)


MAX_VERSION = 2**31 - 1
"""The largest number a version column holds on every database: a larger one names no
version, and is answered 404 without asking the database (which would overflow)."""


def _version(
    session: Session, recording_id: uuid.UUID, *, version: int, track: Track = Track.ORIGINAL
) -> Transcript:
    in_range = 1 <= version <= MAX_VERSION
    transcript = (
        repository.transcript_version(session, recording_id, version=version, kind=track.value)
        if in_range
        else None
    )
    if transcript is None:
        latest = repository.next_version(session, recording_id, kind=track.value) - 1
        have = f"versions 1 to {latest}" if latest else "no transcript yet"
        raise NotFound(
            f"Recording {recording_id} has no transcript version {version}; it has {have}. "
            f"See /api/v1/recordings/{recording_id}/transcript/versions for the list."
        )
    return transcript


def transcript_version(
    session: Session,
    viewer: Viewer | None,
    *,
    recording_id: uuid.UUID,
    version: int,
    track: Track = Track.ORIGINAL,
) -> Transcript:
    get_held_recording(session, viewer, recording_id=recording_id)
    return _version(session, recording_id, version=version, track=track)


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
    *,
    recording_id: uuid.UUID,
    from_version: int,
    to_version: int,
) -> list[SegmentChange]:
    get_held_recording(session, viewer, recording_id=recording_id)
    old = _version(session, recording_id, version=from_version)
    new = _version(session, recording_id, version=to_version)
    spans = _spans_hidden_from(session, viewer, recording_id=recording_id)
    return diff_versions(_masked_drafts(old, spans), _masked_drafts(new, spans))


def _masked_drafts(transcript: Transcript, spans: list[Span] | None) -> list[SegmentDraft]:
    return [
        dataclasses.replace(draft, text=RESTRICTED_TEXT, words=())
        if _hides(spans, draft)
        else draft
        for draft in drafts_of(transcript)
    ]
