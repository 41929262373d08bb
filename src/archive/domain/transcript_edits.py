"""Correcting a transcript: pure operations on segment drafts, and what changed between versions.

A version of a transcript is a list of `SegmentDraft`s in time order. Each operation (edit,
split, merge) takes that list and returns a new one, leaving the input alone; segments it does
not touch are the very same (frozen) drafts. When the result would not be a transcript we can
keep, it raises `EditRejected`, a `ValueError` whose message tells the person what to fix.
Times are seconds from the start of the recording, kept to the millisecond.

Splitting is at a time in seconds, not at a character offset in the text: an archivist finds
the place by listening (the player shows a time, and a change of speaker is heard, not read),
the words carry their own times so they divide exactly, and the text follows the words. A
character offset would leave the time of the cut to guesswork, and the words' times with it.

Versions are compared by position, with a sequence alignment (`difflib.SequenceMatcher`) on each
segment's (start, end, text); segments have no identity that survives a new version (every
version stores fresh copies, and there is no column for a lasting key). The alignment finds
the unchanged runs, so an edit shows as one changed segment, a split as a changed segment and
an added one, and a merge as a changed segment and a removed one. Within a run that is not
unchanged, segments pair up in order; any left over were added or removed.
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from enum import Enum, StrEnum
from typing import Final, Literal

from archive.domain.timecodes import format_vtt_timestamp

MAX_SPEAKER_LENGTH: Final = 120
"""The longest speaker name stored (the column's width)."""

TYPED_WORD_PROBABILITY: Final = 1.0
"""The probability given to a word a person typed: nobody needs to check it again."""


class EditRejected(ValueError):
    """The edit would leave a transcript we cannot keep; the message says what to change."""


class _Keep(Enum):
    KEEP = "keep"


KEEP: Final = _Keep.KEEP
"""Leave this field of the segment as it is (`None` is a value: no speaker)."""


@dataclass(frozen=True, slots=True)
class Word:
    word: str
    start: float
    end: float
    probability: float


@dataclass(frozen=True, slots=True)
class SegmentDraft:
    """A segment's content; `restricted` travels with it so a correction never lifts a
    restriction (a split keeps it on both halves, a merge keeps it if either half had it)."""

    start: float
    end: float
    text: str
    speaker: str | None
    words: tuple[Word, ...] = ()
    restricted: bool = False


class ChangeKind(StrEnum):
    """How a segment changed between two transcript versions: added, removed or changed."""

    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


Field = Literal["start", "end", "text", "speaker", "words", "restricted"]
_FIELDS: tuple[Field, ...] = ("start", "end", "text", "speaker", "words", "restricted")


@dataclass(frozen=True, slots=True)
class SegmentChange:
    """One difference between two versions. Positions count from 0 within each version;
    `before` is None for an added segment, `after` for a removed one."""

    kind: ChangeKind
    old_position: int | None
    new_position: int | None
    before: SegmentDraft | None
    after: SegmentDraft | None
    fields: tuple[Field, ...]


def _seconds(value: float) -> float:
    return round(float(value), 3)


def _at(seconds: float) -> str:
    """A time as people read it in a player: `00:12:34.200 (754.2 s)`."""
    if not math.isfinite(seconds) or seconds < 0:
        return f"{seconds!r} s"
    return f"{format_vtt_timestamp(seconds)} ({seconds:g} s)"


def _check_times(start: float, end: float) -> None:
    if not (math.isfinite(start) and math.isfinite(end)):
        raise EditRejected("Times must be numbers of seconds from the start of the recording.")
    if start < 0:
        raise EditRejected(
            f"The start {start:g} s is before the recording begins. Times count from 0 s at "
            "the start of the recording; give a start of 0 or later."
        )
    if start >= end:
        raise EditRejected(
            f"The segment would start at {_at(start)} and end at {_at(end)}. A segment must "
            "end after it starts: move the end later or the start earlier."
        )


def _clean_text(text: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise EditRejected(
            "The text is empty. Type what is said in this stretch; to drop a segment, merge "
            "it with the next one instead."
        )
    return cleaned


def _clean_speaker(speaker: str | None) -> str | None:
    if speaker is None:
        return None
    cleaned = speaker.strip()
    if len(cleaned) > MAX_SPEAKER_LENGTH:
        raise EditRejected(
            f"The speaker's name is {len(cleaned)} characters long; shorten it to "
            f"{MAX_SPEAKER_LENGTH} or fewer (a note about the speaker belongs in the story)."
        )
    return cleaned or None


def _check_index(segments: list[SegmentDraft], index: int) -> SegmentDraft:
    if not 0 <= index < len(segments):
        raise IndexError(f"segment {index} is not in a transcript of {len(segments)}")
    return segments[index]


def _key(word: str) -> str:
    return word.strip(string.punctuation + "¿¡«»“”\u2018\u2019…").casefold()


def _spread(tokens: list[str], *, low: float, high: float) -> list[Word]:
    """New words shared out evenly over [low, high]: a person typed them, nothing timed them."""
    high = max(high, low)
    step = (high - low) / len(tokens)
    return [
        Word(
            token,
            _seconds(low + k * step),
            _seconds(low + (k + 1) * step),
            TYPED_WORD_PROBABILITY,
        )
        for k, token in enumerate(tokens)
    ]


def retime_words(
    words: tuple[Word, ...], text: str, *, start: float, end: float
) -> tuple[Word, ...]:
    """The word timings for a corrected `text` (one word per whitespace-separated token).

    Words the person kept (ignoring case and punctuation) keep their times and probabilities;
    words they typed in place of others share the times of those they replace; words typed in
    between share the gap they were typed into. A segment that had no word timings gets none.
    """
    if not words:
        return ()
    tokens = text.split()
    matcher = SequenceMatcher(
        None, [_key(w.word) for w in words], [_key(t) for t in tokens], autojunk=False
    )
    timed: list[Word] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            timed.extend(
                replace(words[i], word=tokens[j])
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            )
        elif j2 > j1:
            if i2 > i1:
                low, high = words[i1].start, words[i2 - 1].end
            else:
                low = words[i1 - 1].end if i1 > 0 else start
                high = words[i1].start if i1 < len(words) else end
            timed.extend(_spread(tokens[j1:j2], low=low, high=high))
    return _clamp_words(tuple(timed), start=start, end=end)


def _clamp_words(words: tuple[Word, ...], *, start: float, end: float) -> tuple[Word, ...]:
    """Words kept inside their segment when its edges move."""
    clamped = []
    for w in words:
        w_start = min(max(w.start, start), end)
        w_end = min(max(w.end, w_start), end)
        clamped.append(
            w if (w_start, w_end) == (w.start, w.end) else replace(w, start=w_start, end=w_end)
        )
    return tuple(clamped)


def edit_segment(
    segments: list[SegmentDraft],
    index: int,
    *,
    text: str | _Keep = KEEP,
    speaker: str | _Keep | None = KEEP,
    start: float | _Keep = KEEP,
    end: float | _Keep = KEEP,
) -> list[SegmentDraft]:
    """The transcript with segment `index` corrected.

    A new start may not reach back before the previous segment's end, nor a new end past the
    next segment's start (times that were already so, and times not being changed, are left
    alone). When the text changes,
    the words are retimed (`retime_words`); when an edge moves, words are kept inside it.
    """
    old = _check_index(segments, index)
    new_text = old.text if isinstance(text, _Keep) else _clean_text(text)
    new_speaker = old.speaker if isinstance(speaker, _Keep) else _clean_speaker(speaker)
    new_start = old.start if isinstance(start, _Keep) else _seconds(start)
    new_end = old.end if isinstance(end, _Keep) else _seconds(end)
    if (new_start, new_end) != (old.start, old.end):
        _check_times(new_start, new_end)
    if new_start != old.start and index > 0 and new_start < segments[index - 1].end:
        previous = segments[index - 1]
        raise EditRejected(
            f"The new start {_at(new_start)} is before the previous segment ends "
            f"({_at(previous.end)}). Start this segment at {previous.end:g} s or later, or "
            "shorten the previous segment first."
        )
    if new_end != old.end and index + 1 < len(segments) and new_end > segments[index + 1].start:
        following = segments[index + 1]
        raise EditRejected(
            f"The new end {_at(new_end)} is after the next segment starts "
            f"({_at(following.start)}). End this segment at {following.start:g} s or "
            "earlier, or move the next segment's start first."
        )
    words = old.words
    if new_text != old.text:
        words = retime_words(words, new_text, start=new_start, end=new_end)
    elif (new_start, new_end) != (old.start, old.end):
        words = _clamp_words(words, start=new_start, end=new_end)
    edited = replace(
        old, start=new_start, end=new_end, text=new_text, speaker=new_speaker, words=words
    )
    if edited == old:
        raise EditRejected(
            "This changes nothing: the segment already reads so. Send the text, speaker, "
            "start or end you want it to have."
        )
    return [*segments[:index], edited, *segments[index + 1 :]]


def _compact(text: str) -> str:
    return "".join(text.split())


def _cut_after_letters(text: str, letters: int) -> tuple[str, str]:
    """`text` cut after its first `letters` non-space characters."""
    seen = 0
    for position, char in enumerate(text):
        if seen == letters:
            return text[:position].strip(), text[position:].strip()
        if not char.isspace():
            seen += 1
    return text.strip(), ""


def _cut_in_proportion(text: str, fraction: float) -> tuple[str, str]:
    """`text` cut at the space nearest `fraction` of its length (anywhere, if it has none)."""
    target = round(len(text) * fraction)
    spaces = [i for i, char in enumerate(text) if char.isspace()]
    cut = min(spaces, key=lambda i: abs(i - target)) if spaces else target
    return text[:cut].strip(), text[cut:].strip()


def split_segment(segments: list[SegmentDraft], index: int, *, at: float) -> list[SegmentDraft]:
    """The transcript with segment `index` split in two at `at` seconds.

    Each word goes to the half that holds most of it (its midpoint), trimmed to that half. The
    text is cut where the words are when it still spells them (machine text, or text corrected
    here); otherwise at the space nearest the same share of the text as `at` is of the time.
    Both halves keep the speaker and any restriction.
    """
    old = _check_index(segments, index)
    at = _seconds(at)
    if not (math.isfinite(at) and old.start < at < old.end):
        raise EditRejected(
            f"The split point {_at(at)} is not inside this segment, which runs from "
            f"{_at(old.start)} to {_at(old.end)}. Choose a time strictly between the two."
        )
    first_words = tuple(w for w in old.words if (w.start + w.end) / 2 < at)
    second_words = old.words[len(first_words) :]
    if old.words and _compact(old.text) == _compact("".join(w.word for w in old.words)):
        first_text, second_text = _cut_after_letters(
            old.text, sum(len(_compact(w.word)) for w in first_words)
        )
    else:
        fraction = (at - old.start) / (old.end - old.start)
        first_text, second_text = _cut_in_proportion(old.text, fraction)
    if not first_text:
        raise EditRejected(
            f"Nothing is said in this segment before {_at(at)}, so the first half would be "
            "empty. Split it later, after the first word you want to separate."
        )
    if not second_text:
        raise EditRejected(
            f"Nothing is said in this segment after {_at(at)}, so the second half would be "
            "empty. Split it earlier, before the last word you want to separate."
        )
    first = replace(
        old, end=at, text=first_text, words=_clamp_words(first_words, start=old.start, end=at)
    )
    second = replace(
        old, start=at, text=second_text, words=_clamp_words(second_words, start=at, end=old.end)
    )
    return [*segments[:index], first, second, *segments[index + 1 :]]


def merge_with_next(segments: list[SegmentDraft], index: int) -> list[SegmentDraft]:
    """The transcript with segment `index` and the one after it made one.

    The texts are joined with a space and the words put one after the other; the result runs
    from the first's start to the second's end, keeps the first's speaker (the second's, if the
    first has none), and is restricted if either was.
    """
    first = _check_index(segments, index)
    if index + 1 >= len(segments):
        raise EditRejected(
            "This is the last segment, so there is no next one to merge it with. To join it "
            "with the one before, merge that one instead."
        )
    second = segments[index + 1]
    merged = SegmentDraft(
        start=first.start,
        end=second.end,
        text=f"{first.text} {second.text}",
        speaker=first.speaker if first.speaker is not None else second.speaker,
        words=first.words + second.words,
        restricted=first.restricted or second.restricted,
    )
    return [*segments[:index], merged, *segments[index + 2 :]]


def align(old: list[SegmentDraft], new: list[SegmentDraft]) -> list[tuple[int | None, int | None]]:
    """Pairs (old position, new position) covering both versions in order; a missing side is
    None. Pairs of unchanged runs come from the alignment; the rest pair up in order."""
    matcher = SequenceMatcher(
        None,
        [(s.start, s.end, s.text) for s in old],
        [(s.start, s.end, s.text) for s in new],
        autojunk=False,
    )
    pairs: list[tuple[int | None, int | None]] = []
    for _, i1, i2, j1, j2 in matcher.get_opcodes():
        olds, news = list(range(i1, i2)), list(range(j1, j2))
        common = min(len(olds), len(news))
        pairs.extend(zip(olds[:common], news[:common], strict=True))
        pairs.extend((i, None) for i in olds[common:])
        pairs.extend((None, j) for j in news[common:])
    return pairs


def diff_versions(old: list[SegmentDraft], new: list[SegmentDraft]) -> list[SegmentChange]:
    """What changed from `old` to `new`, in reading order (see the module's note on alignment)."""
    changes: list[SegmentChange] = []
    for i, j in align(old, new):
        if i is not None and j is not None:
            before, after = old[i], new[j]
            fields = tuple(f for f in _FIELDS if getattr(before, f) != getattr(after, f))
            if fields:
                changes.append(SegmentChange(ChangeKind.CHANGED, i, j, before, after, fields))
        elif i is not None:
            changes.append(SegmentChange(ChangeKind.REMOVED, i, None, old[i], None, ()))
        elif j is not None:
            changes.append(SegmentChange(ChangeKind.ADDED, None, j, None, new[j], ()))
    return changes
