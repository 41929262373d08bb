"""Probing and decoding recordings with PyAV, the one module that imports it.

Every container is opened with the demuxer that `domain.formats` recognised from the bytes,
never with FFmpeg's own guess, and with the MOV demuxer's external references turned off: an
upload must not make FFmpeg read anything but itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, BinaryIO

import av
import numpy as np
import numpy.typing as npt

from archive.domain.formats import (
    ACCEPTED_FORMATS_TEXT,
    ALLOWED_DEMUXERS,
    PAYLOAD_SAMPLE_BYTES,
    SNIFF_BYTES,
    Container,
    describe_unknown,
    non_audio_payload,
    sniff_container,
    stream_problem,
)
from archive.domain.restrictions import ListeningCodec, Span, merge_spans, sample_range
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

    def not_audio(why: str) -> Unprocessable:
        return Unprocessable(
            f"This {container.label} file is not a recording: {why}. Upload the recording "
            f"itself as the recorder or phone saved it ({ACCEPTED_FORMATS_TEXT}), or export "
            "it again as WAV or FLAC, mono or stereo, at 16 to 48 kHz."
        )

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
            if stream.codec_context is None or not stream.codec_context.name:
                raise not_audio("its sound track is in no format we can decode")
            _check_stream(container, stream, declared_only=True)
            declared = _declared_duration(media, stream)
            payload = bytearray()
            first_end = _decode_until(media, stream, seconds=1.0, payload=payload)
            if first_end is None:
                raise damaged
            codec = stream.codec_context.name
            found = non_audio_payload(bytes(payload), raw_samples=codec.startswith("pcm_"))
            if found is not None:
                raise not_audio(f"its sound data is {found}")
            _check_stream(container, stream, declared_only=False)
            decoded_end = _tail_end(media, stream, declared=declared) if declared else None
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


def _check_stream(container: Container, stream: Any, *, declared_only: bool) -> None:
    """Refuses a stream whose channels or sample rate no recording has. Before decoding
    (`declared_only`) a value the header leaves unset (0) is let through; decoding sets it."""
    context = stream.codec_context
    channels = int(context.layout.nb_channels or 0)
    sample_rate = int(context.sample_rate or 0)
    if declared_only and (channels == 0 or sample_rate == 0):
        return
    problem = stream_problem(channels=channels, sample_rate=sample_rate)
    if problem is not None:
        raise Unprocessable(
            f"This {container.label} file cannot be a recording: {problem}. Export the "
            f"recording again as WAV or FLAC, mono or stereo, at 16 to 48 kHz, and upload "
            "that file."
        )


def _decode_until(
    media: Any, stream: Any, *, seconds: float, payload: bytearray | None = None
) -> float | None:
    """Decodes from the start until `seconds` of audio came out; returns where it got to.
    The first `PAYLOAD_SAMPLE_BYTES` of the stream's packets are added to `payload`."""
    end: float | None = None
    for packet in media.demux(stream):
        if payload is not None and len(payload) < PAYLOAD_SAMPLE_BYTES and packet.size:
            payload.extend(bytes(packet)[: PAYLOAD_SAMPLE_BYTES - len(payload)])
        for frame in packet.decode():
            end = _frame_end(frame)
        if end is not None and end >= seconds:
            break
    return end


def _tail_end(media: Any, stream: Any, *, declared: float) -> float | None:
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


_LISTENING_FORMATS = {
    # codec: (muxer, encoder, content type)
    "flac": ("flac", "flac", "audio/flac"),
    "opus": ("ogg", "libopus", "audio/ogg"),
}
_OPUS_SAMPLE_RATE = 48_000
_OPUS_BITS_PER_CHANNEL = 32_000
"""Speech at 32 kbit/s a channel: clear, at about a tenth of FLAC's size."""
_CHECK_EVERY_FRAMES = 200


def write_silenced(
    source: BinaryIO,
    spans: Sequence[Span],
    *,
    target: BinaryIO,
    codec: ListeningCodec = "flac",
    check: Callable[[], None] | None = None,
) -> str:
    """Writes the first audio stream of `source` to `target` with every span silent; returns
    the content type written.

    Spans are seconds from the start of the decoded audio, counted in samples as
    `decode_for_whisper` counts them, so they fall where the transcript's times do. The sound is
    16-bit, mono or stereo (more channels are mixed down), at the source's rate for FLAC and
    48 kHz for Opus. `target` must be seekable (the FLAC header is written last); `check` is
    called now and then and may raise to stop. Neither stream is closed.
    """
    muxer, encoder, content_type = _LISTENING_FORMATS[codec]
    container = recognise(source)
    with _open(source, container) as media:
        stream = media.streams.audio[0]
        channels = int(stream.codec_context.layout.nb_channels or 1)
        layout = "mono" if channels == 1 else "stereo"
        width = 1 if channels == 1 else 2
        rate = _OPUS_SAMPLE_RATE if codec == "opus" else int(stream.codec_context.sample_rate)
        silent = [sample_range(span, rate) for span in merge_spans(spans)]
        resampler = av.AudioResampler(format="s16", layout=layout, rate=rate)
        with av.open(target, mode="w", format=muxer) as out:
            encoded: Any = out.add_stream(encoder, rate=rate, layout=layout)
            if codec == "opus":
                encoded.bit_rate = _OPUS_BITS_PER_CHANNEL * width
            position = 0
            for count, frame in enumerate(media.decode(stream)):
                if check is not None and count % _CHECK_EVERY_FRAMES == 0:
                    check()
                for piece in resampler.resample(frame):
                    position = _encode_silenced(
                        out, encoded, piece=piece, position=position, silent=silent, width=width
                    )
            for piece in resampler.resample(None):
                position = _encode_silenced(
                    out, encoded, piece=piece, position=position, silent=silent, width=width
                )
            for packet in encoded.encode(None):
                out.mux(packet)
    return content_type


def _encode_silenced(
    out: Any,
    encoded: Any,
    *,
    piece: Any,
    position: int,
    silent: list[tuple[int, int]],
    width: int,
) -> int:
    """Encodes one packed s16 frame that begins at sample `position`, zeroing the samples
    inside `silent` ranges; returns the position after it."""
    count = int(piece.samples)
    samples = piece.to_ndarray().reshape(-1).copy()
    for first, last in silent:
        low, high = max(first, position), min(last, position + count)
        if low < high:
            samples[(low - position) * width : (high - position) * width] = 0
    frame = av.AudioFrame.from_ndarray(
        samples.reshape(1, -1), format="s16", layout=piece.layout.name
    )
    frame.sample_rate = piece.sample_rate
    frame.pts = position
    frame.time_base = Fraction(1, piece.sample_rate)
    for packet in encoded.encode(frame):
        out.mux(packet)
    return position + count
