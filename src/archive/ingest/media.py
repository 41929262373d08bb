"""Probing and decoding recordings with PyAV, the one module that imports it.

Every container is opened with the demuxer that `domain.formats` recognised from the bytes,
never with FFmpeg's own guess, and with the MOV demuxer's external references turned off: an
upload must not make FFmpeg read anything but itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, BinaryIO

import av
import numpy as np
import numpy.typing as npt

from archive.domain.formats import (
    ACCEPTED_FORMATS_TEXT,
    ALLOWED_DEMUXERS,
    SNIFF_BYTES,
    Container,
    describe_unknown,
    sniff_container,
)
from archive.errors import Unprocessable, UnsupportedMedia

WHISPER_SAMPLE_RATE = 16_000
_TAIL_SECONDS = 8.0
_TRUNCATION_TOLERANCE_SECONDS = 1.0
_DEMUXER_OPTIONS = {"enable_drefs": "0", "use_absolute_path": "0"}


@dataclass(frozen=True, slots=True)
class MediaInfo:
    container: str
    content_type: str
    duration: float
    codec: str
    sample_rate: int
    channels: int


def _open(source: BinaryIO, container: Container) -> Any:
    if container.demuxer not in ALLOWED_DEMUXERS:
        raise UnsupportedMedia(f"The {container.label} format is not accepted.")
    options = _DEMUXER_OPTIONS if container.demuxer == "mov" else {}
    return av.open(source, mode="r", format=container.demuxer, options=options)


def recognise(source: BinaryIO) -> Container:
    """Reads the first bytes and names the container, or refuses the upload (415)."""
    source.seek(0)
    head = source.read(SNIFF_BYTES)
    source.seek(0)
    if not head:
        raise Unprocessable(
            f"The file is empty. Upload the recording itself: {ACCEPTED_FORMATS_TEXT}."
        )
    container = sniff_container(head)
    if container is None:
        raise UnsupportedMedia(
            f"This file is not a recording we can read ({describe_unknown(head)}). "
            f"Upload a {ACCEPTED_FORMATS_TEXT} recording."
        )
    return container


def probe(source: BinaryIO) -> MediaInfo:
    """Checks that `source` is a whole, decodable recording with sound and describes it.

    Raises `UnsupportedMedia` (415) for what is not audio or video, and `Unprocessable` (422)
    for a recording that is empty, damaged or cut short. Leaves `source` open.
    """
    container = recognise(source)
    damaged = Unprocessable(
        f"This {container.label} file is damaged or incomplete and cannot be played. "
        "Export or copy the recording again and upload the new file."
    )
    try:
        with _open(source, container) as media:
            if not media.streams.audio:
                raise Unprocessable(
                    f"This {container.label} file has no sound track, so there is nothing "
                    "to listen to or transcribe. Upload a recording with audio."
                )
            stream = media.streams.audio[0]
            declared = _declared_duration(media, stream)
            first_end = _decode_until(media, stream, seconds=1.0)
            if first_end is None:
                raise damaged
            decoded_end = _tail_end(media, stream, declared) if declared else None
            codec = stream.codec_context.name
            sample_rate = int(stream.codec_context.sample_rate or 0)
            channels = int(stream.codec_context.layout.nb_channels or 0)
            has_video = bool(media.streams.video)
    except (av.error.FFmpegError, EOFError, ValueError) as exc:
        raise damaged from exc
    if declared and decoded_end is not None:
        if decoded_end < declared - max(_TRUNCATION_TOLERANCE_SECONDS, declared * 0.01):
            raise damaged
        duration = decoded_end if abs(decoded_end - declared) > 0.5 else declared
    else:
        duration = declared or first_end
    content_type = _refine_content_type(container, has_video)
    return MediaInfo(
        container=container.demuxer,
        content_type=content_type,
        duration=round(duration, 3),
        codec=codec,
        sample_rate=sample_rate,
        channels=channels,
    )


def _declared_duration(media: Any, stream: Any) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if media.duration is not None:
        return float(media.duration) / av.time_base
    return 0.0


def _decode_until(media: Any, stream: Any, *, seconds: float) -> float | None:
    """Decodes from the start until `seconds` of audio came out; returns where it got to."""
    end: float | None = None
    for frame in media.decode(stream):
        end = _frame_end(frame)
        if end >= seconds:
            break
    return end


def _tail_end(media: Any, stream: Any, declared: float) -> float | None:
    """Decodes the last seconds; a file cut short ends well before its header says it does."""
    target = max(0.0, declared - _TAIL_SECONDS)
    try:
        media.seek(int(target / stream.time_base), stream=stream, backward=True)
    except av.error.FFmpegError:
        return None
    end: float | None = None
    for frame in media.decode(stream):
        end = _frame_end(frame)
    return end


def _frame_end(frame: Any) -> float:
    start = float(frame.pts * frame.time_base) if frame.pts is not None else 0.0
    return start + float(frame.samples) / float(frame.sample_rate)


def _refine_content_type(container: Container, has_video: bool) -> str:
    if not has_video:
        return container.content_type
    return {
        "mov": "video/mp4",
        "matroska": "video/webm" if "webm" in container.content_type else "video/x-matroska",
    }.get(container.demuxer, container.content_type)


def decode_for_whisper(source: BinaryIO) -> npt.NDArray[np.float32]:
    """The first audio stream as 16 kHz mono float32 in [-1, 1], what Whisper consumes."""
    container = recognise(source)
    resampler = av.AudioResampler(format="s16", layout="mono", rate=WHISPER_SAMPLE_RATE)
    chunks: list[npt.NDArray[np.int16]] = []
    with _open(source, container) as media:
        stream = media.streams.audio[0]
        for frame in media.decode(stream):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1).astype(np.int16, copy=False))
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().reshape(-1).astype(np.int16, copy=False))
    if not chunks:
        return np.zeros(0, dtype=np.float32)
    return np.concatenate(chunks).astype(np.float32) / 32768.0
