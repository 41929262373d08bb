"""The `Transcriber` port. Workers depend on this, never on faster-whisper directly, so the API
process and the tests of the pipeline's bookkeeping do not load a speech model."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal, Protocol

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
    language: str | None = None
    """The language this stretch was heard in (Whisper's code, e.g. "es")."""


@dataclass(frozen=True, slots=True)
class TranscriptionInfo:
    language: str
    language_probability: float
    duration: float
    model: str = ""
    """The model that was used (routing may choose one per recording)."""
    detections: list[tuple[str, float]] = field(default_factory=list)
    """Every language detection made, as (language, probability); filled as segments are
    produced when the language is detected per stretch of speech."""


Task = Literal["transcribe", "translate"]


class Transcriber(Protocol):
    model_name: str
    """The forced model's name, or "auto" when each recording is routed by its languages."""

    def transcribe(
        self,
        audio: npt.NDArray[np.float32],
        languages: list[str],
        *,
        task: Task = "transcribe",
    ) -> tuple[TranscriptionInfo, Iterator[TranscribedSegment]]:
        """`audio` is 16 kHz mono float32; `languages` the story's language tags (routing,
        `domain.languages`). `task="translate"` gives English. Segments are produced lazily, as
        decoding goes, so a caller can report progress and stop between segments."""
