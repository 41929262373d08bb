"""faster-whisper behind the `Transcriber` port: the only module that imports it.

Models are loaded on first use, once per worker process, and kept warm; which one hears a
recording is decided by `domain.languages` from the story's languages, unless
`ARCHIVE_WHISPER_MODEL` forces one. Whisper's known failures are guarded here and in
`domain.transcription`: VAD keeps silence away from the decoder, and a segment whose
compression ratio passes 2.4 (a repetition loop) or whose average log-probability falls below
-1 is decoded again at a higher temperature.

A story that switches language is decoded clip by clip (VAD's stretches of speech, split at
pauses of a second or more) with faster-whisper's `multilingual=True`, which detects the
language again at the start of each clip and of each 30-second window in it; each segment
carries the language its window was decoded in.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from faster_whisper import WhisperModel
from faster_whisper.vad import VadOptions, get_speech_timestamps

from archive.domain.languages import (
    DETECTION_SECONDS,
    Plan,
    Route,
    after_detection,
    forced_plan,
    plan_for,
)
from archive.ingest.model_files import (
    ENGLISH_MODEL,
    MULTILINGUAL_MODEL,
    ModelUnavailable,
    offline_hint,
)
from archive.ingest.model_files import resolve_model as resolve_model_files
from archive.ingest.transcriber import (
    Task,
    TranscribedSegment,
    TranscribedWord,
    TranscriptionInfo,
)
from archive.settings import Settings

log = logging.getLogger(__name__)

TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
COMPRESSION_RATIO_THRESHOLD = 2.4
LOG_PROB_THRESHOLD = -1.0
NO_SPEECH_THRESHOLD = 0.6
SAMPLE_RATE = 16_000
CLIP_SILENCE_MS = 1000
"""A pause this long may be a change of language: per-segment detection starts a clip there."""
AUTO = "auto"
DETECTION_SEARCH_SECONDS = 300.0
"""How far into a recording speech is looked for to detect its language on."""


def resolve_model(name: str, *, cache_dir: Path) -> str:
    """The local directory (or, failing that, the faster-whisper name) for `name`."""
    return resolve_model_files(name, cache_dir=cache_dir)


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


class _DetectionLog:
    """Stands in for the CTranslate2 model and remembers the last language it detected."""

    def __init__(self, model: Any) -> None:
        self._model = model
        self.last: tuple[str, float] | None = None

    def detect_language(self, *args: Any, **kwargs: Any) -> Any:
        results = self._model.detect_language(*args, **kwargs)
        token, probability = results[0][0]
        self.last = (str(token)[2:-2], float(probability))
        return results

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)


class _LanguageTaggingModel(WhisperModel):  # type: ignore[misc]
    """A `WhisperModel` whose segments say which language their window was decoded in
    (`segment.language`, `segment.language_probability`)."""

    model: Any
    """The CTranslate2 model (faster-whisper sets it); here, behind `_DetectionLog`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.detections = _DetectionLog(self.model)
        self.model = self.detections

    def generate_segments(self, features: Any, tokenizer: Any, *args: Any) -> Iterator[Any]:
        for segment in super().generate_segments(features, tokenizer, *args):
            segment.language = tokenizer.language_code
            last = self.detections.last
            segment.language_probability = (
                last[1] if last is not None and last[0] == segment.language else None
            )
            yield segment


class WhisperTranscriber:
    """Thread-safe: the worker's threads share one, and each model is loaded once."""

    def __init__(self, settings: Settings) -> None:
        import ctranslate2

        device = settings.whisper_device
        if device == "auto":
            device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
        compute_type = settings.whisper_compute_type
        if compute_type == "default":
            compute_type = "float16" if device == "cuda" else "int8"
        self.forced = settings.whisper_model or None
        self.model_name = self.forced or AUTO
        self.device = device
        self.compute_type = compute_type
        self._beam_size = settings.whisper_beam_size
        self._cache_dir = settings.model_cache_dir
        self._models: dict[str, _LanguageTaggingModel] = {}
        self._lock = threading.Lock()

    def model(self, name: str) -> _LanguageTaggingModel:
        """The loaded model `name`; raises `ModelUnavailable` when it cannot be had."""
        with self._lock:
            if name not in self._models:
                path = resolve_model(name, cache_dir=self._cache_dir)
                log.info(
                    "whisper.loading model=%s path=%s device=%s compute_type=%s",
                    name,
                    path,
                    self.device,
                    self.compute_type,
                )
                try:
                    self._models[name] = _LanguageTaggingModel(
                        path,
                        device=self.device,
                        compute_type=self.compute_type,
                        cpu_threads=os.cpu_count() or 0,
                    )
                except Exception as exc:
                    if Path(path).is_dir():
                        raise
                    raise ModelUnavailable(offline_hint(name)) from exc
            return self._models[name]

    def plan(
        self, audio: npt.NDArray[np.float32], languages: list[str], *, task: Task
    ) -> tuple[str, Plan, list[tuple[str, float]]]:
        """The model to use, how, and the detections made to decide it."""
        if self.forced is not None:
            english = self.forced.endswith(".en")
            return self.forced, forced_plan(languages, english_only_model=english), []
        planned = plan_for(languages)
        detections: list[tuple[str, float]] = []
        if planned.route is Route.DETECT:
            speech = _first_speech(audio)
            if speech is None:  # nothing said near the start: let the model that hears all try
                planned = after_detection("")
            else:
                language, probability, _ = self.model(MULTILINGUAL_MODEL).detect_language(
                    audio=speech
                )
                detections.append((str(language), float(probability)))
                planned = after_detection(str(language))
                log.info("whisper.detected language=%s probability=%.2f", language, probability)
        if task == "translate" and planned.route is Route.ENGLISH:
            planned = Plan(Route.MULTILINGUAL, planned.language)
        name = ENGLISH_MODEL if planned.route is Route.ENGLISH else MULTILINGUAL_MODEL
        return name, planned, detections

    def transcribe(
        self,
        audio: npt.NDArray[np.float32],
        languages: list[str],
        *,
        task: Task = "transcribe",
    ) -> tuple[TranscriptionInfo, Iterator[TranscribedSegment]]:
        name, planned, detections = self.plan(audio, languages, task=task)
        model = self.model(name)
        options = decoding_options(self._beam_size)
        clips = _speech_clips(audio) if planned.per_segment else []
        if clips:
            options.update(vad_filter=False, clip_timestamps=clips, multilingual=True)
        segments, info = model.transcribe(audio, language=planned.language, task=task, **options)
        if planned.language is None or not detections:
            # A language given to the model reads as probability 1: keep what was detected.
            detections.append((str(info.language), float(info.language_probability)))
        summary = TranscriptionInfo(
            language=info.language,
            language_probability=float(info.language_probability),
            duration=float(info.duration),
            model=name,
            detections=detections,
        )
        text_language = "en" if task == "translate" else None
        return summary, _converted(segments, summary, text_language=text_language)


def _first_speech(audio: npt.NDArray[np.float32]) -> npt.NDArray[np.float32] | None:
    """Up to `DETECTION_SECONDS` of the first speech in the first `DETECTION_SEARCH_SECONDS`,
    joined; None when there is none."""
    searched = audio[: int(DETECTION_SEARCH_SECONDS * SAMPLE_RATE)]
    chunks = get_speech_timestamps(searched, VadOptions())
    if not chunks:
        return None
    speech = np.concatenate([searched[c["start"] : c["end"]] for c in chunks])
    return speech[: int(DETECTION_SECONDS * SAMPLE_RATE)]


def _speech_clips(audio: npt.NDArray[np.float32]) -> list[float]:
    """Start and end seconds of each stretch of speech, split at pauses of a second."""
    chunks = get_speech_timestamps(audio, VadOptions(min_silence_duration_ms=CLIP_SILENCE_MS))
    return [t / SAMPLE_RATE for chunk in chunks for t in (chunk["start"], chunk["end"])]


def _converted(
    segments: Iterable[Any], info: TranscriptionInfo, *, text_language: str | None
) -> Iterator[TranscribedSegment]:
    for segment in segments:
        language = getattr(segment, "language", None) or info.language
        probability = getattr(segment, "language_probability", None)
        if probability is not None:
            info.detections.append((language, float(probability)))
        yield _convert(segment, language=text_language or language)


def _convert(segment: Any, *, language: str | None) -> TranscribedSegment:
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
        language=language,
    )
