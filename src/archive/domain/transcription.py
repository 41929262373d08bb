"""What to keep of Whisper's output. Pure.

Whisper invents text in silence ("Thank you for watching.") and can fall into loops that
repeat one line. Faster-whisper already retries such segments at higher temperatures; what
still looks wrong afterwards is dropped (silence) or kept but flagged for an archivist
(a high compression ratio), and verbatim repeats of the line before are cut.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

COMPRESSION_RATIO_FLAG = 2.4
NO_SPEECH_DROP = 0.6
LOGPROB_DROP = -1.0


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
) -> Verdict:
    cleaned = text.strip()
    if not cleaned:
        return Verdict(keep=False, flagged=False, reason="empty")
    if no_speech_prob > NO_SPEECH_DROP and avg_logprob < LOGPROB_DROP:
        return Verdict(keep=False, flagged=False, reason="silence")
    if previous_text is not None and _normalise(cleaned) == _normalise(previous_text):
        return Verdict(keep=False, flagged=False, reason="repeat")
    if compression_ratio > COMPRESSION_RATIO_FLAG:
        return Verdict(keep=True, flagged=True, reason="repetitive")
    return Verdict(keep=True, flagged=False)


def confidence(avg_logprob: float | None) -> float | None:
    """The segment's mean token probability, 0 to 1: where an archivist should check first."""
    if avg_logprob is None or math.isnan(avg_logprob):
        return None
    return round(max(0.0, min(1.0, math.exp(avg_logprob))), 4)


def _normalise(text: str) -> str:
    return " ".join(text.lower().split())
