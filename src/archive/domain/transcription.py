"""What to keep of Whisper's output. Pure.

Whisper invents text in silence ("Thank you for watching.") and can fall into loops that
repeat one line. Faster-whisper already retries such segments at higher temperatures; what
still looks wrong afterwards is dropped (silence) or kept but flagged for an archivist
(a high compression ratio, or words the model was unsure of), and verbatim repeats of the line
before are cut.

A segment's confidence comes from its own words (`segment_confidence`): faster-whisper reports
`avg_logprob` and `no_speech_prob` once per 30-second window, so every segment of a window
shares them and they cannot tell a misheard sentence from its clean neighbours.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

COMPRESSION_RATIO_FLAG = 2.4
NO_SPEECH_DROP = 0.6
LOGPROB_DROP = -1.0
WORD_PROBABILITY_FLOOR = 1e-4
"""A word the model gives (almost) no chance still counts as this, so one word cannot drive a
segment's confidence to zero on its own."""


@dataclass(frozen=True, slots=True)
class Verdict:
    keep: bool
    flagged: bool
    reason: str | None = None


def judge_segment(
    text: str,
    *,
    avg_logprob: float,
    compression_ratio: float,
    no_speech_prob: float,
    previous_text: str | None,
    word_probabilities: Sequence[float] = (),
    flag_below: float = 0.0,
) -> Verdict:
    """Whether to keep a segment, and whether a person should check it: a kept segment is
    flagged when it looks repetitive, or when its confidence (`segment_confidence`) is under
    `flag_below`."""
    cleaned = text.strip()
    if not cleaned:
        return Verdict(keep=False, flagged=False, reason="empty")
    if no_speech_prob > NO_SPEECH_DROP and avg_logprob < LOGPROB_DROP:
        return Verdict(keep=False, flagged=False, reason="silence")
    if previous_text is not None and _normalise(cleaned) == _normalise(previous_text):
        return Verdict(keep=False, flagged=False, reason="repeat")
    if compression_ratio > COMPRESSION_RATIO_FLAG:
        return Verdict(keep=True, flagged=True, reason="repetitive")
    sure = segment_confidence(word_probabilities, no_speech_prob=no_speech_prob)
    if sure is not None and sure < flag_below:
        return Verdict(keep=True, flagged=True, reason="uncertain")
    return Verdict(keep=True, flagged=False)


def segment_confidence(
    word_probabilities: Sequence[float], *, no_speech_prob: float | None
) -> float | None:
    """How sure the model is of a segment, 0 to 1: where an archivist should check first.

    The geometric mean of its words' probabilities (one doubtful word in a long sentence
    lowers it less than a sentence of doubtful words), times the square root of the chance
    that the window holds speech at all (`1 - no_speech_prob`; the root, because that
    chance is measured once per 30-second window, not for this segment). None for a segment
    without words (text a person typed is not the model's to judge)."""
    if not word_probabilities:
        return None
    logs = [math.log(max(WORD_PROBABILITY_FLOOR, min(1.0, p))) for p in word_probabilities]
    mean = math.exp(sum(logs) / len(logs))
    speech = 1.0 - (no_speech_prob or 0.0)
    if math.isnan(mean) or math.isnan(speech):
        return None
    return round(mean * math.sqrt(max(0.0, min(1.0, speech))), 4)


def _normalise(text: str) -> str:
    return " ".join(text.lower().split())
