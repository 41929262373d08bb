"""The engine-facing part of transcription: run a `Transcriber` over decoded audio and keep
the segments worth keeping (`domain.transcription.judge_segment`), reporting progress and
checking whether to stop between two segments. No database here: the job handler
(`transcripts/tasks.py`) reads and writes the rows around it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from archive.domain.transcription import judge_segment
from archive.ingest.transcriber import Task, TranscribedSegment, Transcriber, TranscriptionInfo


@dataclass(frozen=True, slots=True)
class KeptSegment:
    segment: TranscribedSegment
    flagged: bool
    """Kept, but doubtful enough for a person to look at."""


def run_transcription(
    transcriber: Transcriber,
    audio: npt.NDArray[np.float32],
    *,
    languages: list[str],
    task: Task = "transcribe",
    duration: float,
    check_stop: Callable[[], None],
    on_progress: Callable[[float], None],
    flag_below: float,
) -> tuple[TranscriptionInfo, list[KeptSegment]]:
    """Transcribes (or translates) `audio` (16 kHz mono) for a story in `languages`.
    `check_stop` runs before each segment and raises to stop; `on_progress` is given the
    fraction done (below 1) after each segment. A kept segment whose confidence is under
    `flag_below` is flagged for a person to check."""
    info, produced = transcriber.transcribe(audio, languages, task=task)
    total = duration or info.duration or 1.0
    kept: list[KeptSegment] = []
    previous: str | None = None
    for segment in produced:
        check_stop()
        verdict = judge_segment(
            segment.text,
            avg_logprob=segment.avg_logprob,
            compression_ratio=segment.compression_ratio,
            no_speech_prob=segment.no_speech_prob,
            previous_text=previous,
            word_probabilities=[w.probability for w in segment.words],
            flag_below=flag_below,
        )
        if verdict.keep:
            kept.append(KeptSegment(segment, verdict.flagged))
            previous = segment.text
        on_progress(min(0.99, segment.end / total))
    return info, kept
