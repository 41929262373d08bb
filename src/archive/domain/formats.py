"""Recognising a recording's container from its first bytes.

FFmpeg is never asked to guess: it knows playlist and reference formats (HLS, concat, ffconcat,
SDP, image sequences) that open other files or URLs, and an upload is untrusted input. We read
the magic bytes ourselves and hand FFmpeg exactly one demuxer from this allow-list.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

SNIFF_BYTES = 4096


@dataclass(frozen=True, slots=True)
class Container:
    demuxer: str
    """The FFmpeg demuxer that opens it (PyAV's `format=`)."""
    content_type: str
    """What we serve it as; video containers are refined from their streams after probing."""
    label: str


WAV = Container("wav", "audio/wav", "WAV")
FLAC = Container("flac", "audio/flac", "FLAC")
MP3 = Container("mp3", "audio/mpeg", "MP3")
OGG = Container("ogg", "audio/ogg", "Ogg (Opus or Vorbis)")
MP4 = Container("mov", "audio/mp4", "MP4, M4A or MOV")
MATROSKA = Container("matroska", "video/x-matroska", "Matroska")
WEBM = Container("matroska", "audio/webm", "WebM")
AAC = Container("aac", "audio/aac", "AAC (ADTS)")

ALLOWED_DEMUXERS = frozenset(c.demuxer for c in (WAV, FLAC, MP3, OGG, MP4, MATROSKA, AAC))
ACCEPTED_FORMATS_TEXT = "WAV, FLAC, MP3, M4A/MP4/MOV, OGG/Opus, WebM/MKV or AAC"

_MP4_BOXES = (b"moov", b"mdat", b"wide", b"free", b"skip")


def sniff_container(head: bytes) -> Container | None:
    """Names the container whose signature `head` starts with, or None.

    An ID3v2 tag in front is skipped: MP3 files usually carry one, and other formats are
    sometimes tagged the same way by careless tools.
    """
    if head.startswith(b"ID3") and len(head) >= 10:
        size = (head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9]
        rest = head[10 + size :]
        if not rest:
            return MP3  # a tag bigger than our window: only MP3 files carry such tags
        return sniff_container(rest) or None
    if len(head) >= 12 and head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE":
        return WAV
    if head.startswith(b"fLaC"):
        return FLAC
    if head.startswith(b"OggS"):
        return OGG
    if len(head) >= 8 and head[4:8] == b"ftyp":
        return MP4
    if len(head) >= 8 and head[4:8] in _MP4_BOXES and head[0] == 0:
        return MP4  # old QuickTime files start with another box, whose size is < 16 MiB
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return WEBM if b"webm" in head[:64] else MATROSKA
    if len(head) >= 4 and head[0] == 0xFF:
        second = head[1]
        if second & 0xF6 == 0xF0:
            return AAC  # ADTS: 12-bit sync, layer bits 00
        if second & 0xE0 == 0xE0 and (second >> 1) & 0x03 != 0 and (head[2] >> 4) != 0x0F:
            return MP3  # MPEG audio frame sync with a valid layer and bitrate
    return None


def describe_unknown(head: bytes) -> str:
    """A short guess of what an unrecognised upload is, for the error a person reads."""
    if not head:
        return "it is empty"
    if head.lstrip().startswith((b"#EXTM3U", b"ffconcat", b"file '")):
        return "it looks like a playlist, which can point at other files"
    if head.startswith(b"%PDF"):
        return "it looks like a PDF document"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "it looks like an image"
    if head.startswith(b"PK\x03\x04"):
        return "it looks like a ZIP archive or office document"
    try:
        # Incremental: a character cut by the 512-byte window is not a decoding error.
        codecs.getincrementaldecoder("utf-8")().decode(head[:512], final=False)
    except UnicodeDecodeError:
        return "its format is not one we recognise"
    return "it looks like plain text"


DOCUMENT_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)


def sniff_document(head: bytes) -> str | None:
    """The content type of a scanned consent form (PDF or image), from its first bytes."""
    for signature, content_type in DOCUMENT_SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


MAX_CHANNELS = 64
"""More channels than any recorder makes (ambisonic rigs use 16 or so); a header claiming
more is damaged or made to break what decodes it."""
SAMPLE_RATES = range(1_000, 768_001)
"""Sample rates we accept, in Hz: from telephone-grade and below to the highest studio rate."""
PAYLOAD_SAMPLE_BYTES = 4096
"""How much of the start of the sound data is looked at by `non_audio_payload`."""

_PAYLOAD_SIGNATURES = (
    (b"<?php", "a PHP script"),
    (b"#extm3u", "a playlist, which can point at other files"),
    (b"ffconcat", "a playlist, which can point at other files"),
    (b"<script", "a web page with a script"),
    (b"<html", "a web page"),
    (b"<!doctype", "a web page"),
    (b"<iframe", "a web page"),
    (b"<?xml", "an XML document"),
    (b"<svg", "an SVG image"),
    (b"%pdf-", "a PDF document"),
    (b"\x7felf", "a program"),
)
"""Text that starts a document of another kind. At five bytes or more, none of these turns up
by chance in the first kilobytes of real sound (odds below one in a hundred million)."""


def stream_problem(*, channels: int, sample_rate: int) -> str | None:
    """Why an audio stream with these properties cannot be a real recording, or None."""
    if channels < 1:
        return "its sound track has no channels"
    if channels > MAX_CHANNELS:
        return f"it claims {channels} channels (a recording has 1 to {MAX_CHANNELS})"
    if sample_rate not in SAMPLE_RATES:
        return (
            f"it claims a sample rate of {sample_rate:,} Hz (recordings use "
            f"{SAMPLE_RATES.start:,} to {SAMPLE_RATES.stop - 1:,} Hz)"
        )
    return None


def non_audio_payload(payload: bytes, *, raw_samples: bool) -> str | None:
    """What the start of a stream's sound data looks like when it is something else (a
    script, a playlist, a web page, plain text) behind an audio header, or None.

    `payload` is the first bytes of the stream's packets (`PAYLOAD_SAMPLE_BYTES` at most).
    `raw_samples` is true for uncompressed PCM, where any bytes decode as sound, so text is
    also recognised as such: every byte printable or a line break or tab, with words and lines
    (real 8-bit or 16-bit sound is never all of that for a kilobyte).
    """
    lowered = payload[:PAYLOAD_SAMPLE_BYTES].lower()
    for signature, kind in _PAYLOAD_SIGNATURES:
        if signature in lowered:
            return kind
    sample = payload[:1024]
    if raw_samples and len(sample) >= 256 and _is_prose(sample):
        return "plain text"
    return None


def _is_prose(sample: bytes) -> bool:
    printable = all(32 <= byte < 127 or byte in (9, 10, 13) for byte in sample)
    separators = sum(1 for byte in sample if byte in (10, 32))
    return printable and separators * 100 >= len(sample)
