"""Restricted spans of a recording: who may hear them, and what they hide. Pure.

An archivist marks a stretch of a recording restricted (a name, a place, a family matter),
from `start` to `end` in seconds from the recording's start. Archivists and administrators hear
and read everything. For everyone else:

- a transcript segment that overlaps a span by any amount is shown as `[restricted]`, its
  words taken out and its times kept (a reader sees that something was said, not what);
- search never holds such a segment, for anyone: the index is built from the database and
  the spans alike, so one index job after a change brings it up to date;
- the audio they are given is a listening copy in which every span is silent, made for the
  spans as they are now. A copy is known by the fingerprint of the spans it silences; one made
  for other spans is never served (not the original either), whatever order jobs finish in.

Overlap is strict: a segment that ends exactly where a span begins is not hidden by it.

A translation track is masked by time, like the audio: its segments are hidden by the
recording's spans and by the times of the original's segments marked restricted
(`translation_spans`), since a translation says what was said at the same moment.
"""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

from archive.domain.access import StoryAccess, Viewer, can_curate

RESTRICTED_TEXT: Final = "[restricted]"
"""What a segment's text reads as for someone who may not hear it."""

OPUS_AFTER_SECONDS: Final = 3 * 3600.0
"""Listening copies of recordings longer than this are Opus (a tenth of FLAC's size for
speech); shorter ones are FLAC, lossless."""

ListeningCodec = Literal["flac", "opus"]


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A restricted stretch, in seconds from the recording's start; `start < end`."""

    start: float
    end: float


def can_hear_restricted(viewer: Viewer | None, story: StoryAccess) -> bool:
    """The story's community's archivists and administrators hear and read restricted spans;
    nobody else does, not even whoever put the story in."""
    return can_curate(viewer, story)


def overlaps(span: Span, *, start: float, end: float) -> bool:
    """Whether the stretch `start`..`end` shares any time with `span` (touching is not)."""
    return span.start < end and start < span.end


def masks(spans: Iterable[Span], *, start: float, end: float) -> bool:
    """Whether any of `spans` hides the segment from `start` to `end`."""
    return any(overlaps(span, start=start, end=end) for span in spans)


def translation_spans(
    spans: Iterable[Span], restricted_originals: Iterable[tuple[float, float]]
) -> list[Span]:
    """What hides a translation's segments: the recording's spans, and the (start, end) of
    each segment of the current original transcript that is marked restricted."""
    found = list(spans)
    found.extend(Span(start, end) for start, end in restricted_originals if start < end)
    return found


def merge_spans(spans: Iterable[Span]) -> tuple[Span, ...]:
    """The same stretches of time as sorted, disjoint spans (overlapping or touching ones
    joined), so the same restricted time always reads as the same spans."""
    merged: list[Span] = []
    for span in sorted(spans):
        if merged and span.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Span(last.start, max(last.end, span.end))
        else:
            merged.append(span)
    return tuple(merged)


def spans_fingerprint(spans: Iterable[Span]) -> str:
    """A SHA-256 hex digest of the restricted time (to the millisecond): equal for two sets
    of spans exactly when they cover the same time, in any order or split."""
    canonical = [[round(float(s.start), 3), round(float(s.end), 3)] for s in merge_spans(spans)]
    encoded = json.dumps(canonical, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(encoded.encode("ascii")).hexdigest()


def span_problem(start: float, end: float, *, duration: float | None) -> str | None:
    """Why `start`..`end` cannot be a restricted span of a recording `duration` seconds long
    (None when it is unknown), said for the archivist; None when it can."""
    if not (math.isfinite(start) and math.isfinite(end)):
        return "`start` and `end` must be numbers of seconds."
    if start < 0:
        return f"`start` ({start:g} s) cannot be before the recording begins: use 0 or more."
    if end <= start:
        return (
            f"`end` ({end:g} s) must come after `start` ({start:g} s): a restricted span "
            "needs some length."
        )
    if duration is not None and end > duration:
        return (
            f"`end` ({end:g} s) is past the end of the recording, which lasts {duration:g} s. "
            f"Use an `end` of at most {duration:g}."
        )
    return None


def sample_range(span: Span, sample_rate: int) -> tuple[int, int]:
    """The samples (first, one past the last) that `span` covers at `sample_rate`, rounded
    outwards so no restricted sample is left out."""
    first = max(0, math.floor(span.start * sample_rate))
    return first, max(first, math.ceil(span.end * sample_rate))


def listening_codec(duration: float | None) -> ListeningCodec:
    return "opus" if duration is not None and duration > OPUS_AFTER_SECONDS else "flac"


def listening_copy_key(
    story_id: uuid.UUID, recording_id: uuid.UUID, *, copy_id: uuid.UUID, codec: ListeningCodec
) -> str:
    """Where one listening copy is stored: a fresh key per copy, so copies are write-once like
    originals (two workers making one job's copy never write the same object), and never
    under `originals/`."""
    extension = "opus" if codec == "opus" else "flac"
    return f"derivatives/{story_id}/{recording_id}/silenced-{copy_id}.{extension}"
