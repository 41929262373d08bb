"""Comparing transcript text for the archivist's pages. Pure.

`word_diff` shows what a correction changed inside one line, word by word
(`difflib.SequenceMatcher` over the words, spaces kept with the word before them), so a page
can mark the words taken out and put in. `counterpart` finds, in another version, the line
that holds the same stretch of the recording: segment ids change with every version, so a
line is followed by its time. `line_runs` turns lines picked on a page into the stretches of
time they cover, one per run of neighbouring lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum
from typing import Protocol

_WORDS = re.compile(r"\S+\s*|\s+")


class Piece(StrEnum):
    SAME = "same"
    REMOVED = "removed"
    ADDED = "added"


@dataclass(frozen=True, slots=True)
class TextPiece:
    kind: Piece
    text: str


def _words(text: str) -> list[str]:
    return _WORDS.findall(text)


def word_diff(before: str, after: str) -> list[TextPiece]:
    """The pieces that read `before` when the added ones are left out and `after` when the
    removed ones are; neighbouring pieces of one kind are joined. Words compare as written
    (a changed letter case or punctuation is a change)."""
    old, new = _words(before), _words(after)
    pieces: list[TextPiece] = []

    def put(kind: Piece, words: Sequence[str]) -> None:
        text = "".join(words)
        if not text:
            return
        if pieces and pieces[-1].kind is kind:
            pieces[-1] = TextPiece(kind, pieces[-1].text + text)
        else:
            pieces.append(TextPiece(kind, text))

    matcher = SequenceMatcher(a=[w.strip() for w in old], b=[w.strip() for w in new])
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            put(Piece.SAME, new[j1:j2])
        else:
            put(Piece.REMOVED, old[i1:i2])
            put(Piece.ADDED, new[j1:j2])
    return pieces


class Timed(Protocol):
    @property
    def start(self) -> float: ...

    @property
    def end(self) -> float: ...


def counterpart(segments: Sequence[Timed], *, start: float, end: float) -> int | None:
    """The position of the segment that shares the most time with `start`..`end` seconds (the
    earliest of equals), or None when none overlaps it."""
    best: int | None = None
    best_overlap = 0.0
    for position, segment in enumerate(segments):
        overlap = min(segment.end, end) - max(segment.start, start)
        if overlap > best_overlap:
            best, best_overlap = position, overlap
    return best


def line_runs(segments: Sequence[Timed], positions: Iterable[int]) -> list[tuple[float, float]]:
    """The (start, end) in seconds of each run of neighbouring lines among `positions`, in time
    order. Positions outside `segments` are left out; a line picked twice counts once."""
    picked = sorted({p for p in positions if 0 <= p < len(segments)})
    runs: list[tuple[float, float]] = []
    previous: int | None = None
    for position in picked:
        segment = segments[position]
        if previous is not None and position == previous + 1:
            runs[-1] = (runs[-1][0], max(runs[-1][1], segment.end))
        else:
            runs.append((segment.start, segment.end))
        previous = position
    return runs
