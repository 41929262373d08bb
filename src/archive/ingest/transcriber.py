"""The `Transcriber` port. Workers depend on this, never on faster-whisper directly, so the API
process and the tests of the pipeline's bookkeeping do not load a speech model."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class TranscribedWord:
    word: str
    start: float
    end: float
    probability: float


@dataclass(frozen=True, slots=True)
class TranscribedSegment:
    start: float
    end: float
    text: str
    avg_logprob: float
    compression_ratio: float
    no_speech_prob: float
    temperature: float = 0.0
    words: tuple[TranscribedWord, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class TranscriptionInfo:
    language: str
    language_probability: float
    duration: float


class Transcriber(Protocol):
    model_name: str

    def transcribe(
        self, audio: npt.NDArray[np.float32], language: str | None
    ) -> tuple[TranscriptionInfo, Iterator[TranscribedSegment]]:
        """`audio` is 16 kHz mono float32. Segments are produced lazily, as decoding goes,
        so a caller can report progress and stop between segments."""
