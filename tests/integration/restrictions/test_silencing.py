"""Silencing spans of a real recording with PyAV (`ingest.media.write_silenced`)."""

from __future__ import annotations

import hashlib
import io

import pytest

from archive.domain.restrictions import ListeningCodec, Span
from archive.ingest.media import write_silenced
from integration.restrictions.helpers import decode, duration_of, rms
from support.paths import STORY_EN, STORY_EN_OPUS

SILENT = 1e-4


def silenced(source: bytes, spans: list[Span], codec: ListeningCodec = "flac") -> tuple[bytes, str]:
    target = io.BytesIO()
    content_type = write_silenced(io.BytesIO(source), spans, target=target, codec=codec)
    return target.getvalue(), content_type


def test_flac_copy_is_silent_in_every_span_and_unchanged_elsewhere() -> None:
    original = STORY_EN.read_bytes()
    before = hashlib.sha256(original).hexdigest()
    copy, content_type = silenced(original, [Span(16.1, 20.3), Span(1.0, 2.0)])
    assert content_type == "audio/flac"
    assert abs(duration_of(copy) - duration_of(original)) < 0.01
    first, second = rms(copy, [(1.0, 2.0), (16.1, 20.3)])
    assert first == 0.0
    assert second == 0.0
    # Lossless: outside the spans every sample is the original's.
    copy_samples, rate = decode(copy)
    original_samples, _ = decode(original)
    assert rate == 16_000
    assert (copy_samples[: rate * 1] == original_samples[: rate * 1]).all()
    assert (copy_samples[rate * 21 :] == original_samples[rate * 21 :]).all()
    assert rms(copy, [(2.5, 4.5)])[0] > 100 * SILENT
    assert hashlib.sha256(original).hexdigest() == before


def test_spans_are_cut_to_the_sample_and_spans_past_the_end_are_harmless() -> None:
    copy, _ = silenced(STORY_EN.read_bytes(), [Span(10.0, 10.5), Span(26.0, 1000.0)])
    samples, rate = decode(copy)
    assert (samples[10 * rate : int(10.5 * rate)] == 0).all()
    assert (samples[26 * rate :] == 0).all()
    assert abs(samples.size / rate - 26.781) < 0.01


def test_an_opus_copy_for_long_recordings() -> None:
    copy, content_type = silenced(STORY_EN.read_bytes(), [Span(16.1, 20.3)], codec="opus")
    assert content_type == "audio/ogg"
    assert copy[:4] == b"OggS"
    assert len(copy) < len(STORY_EN.read_bytes())
    inside, outside = rms(copy, [(16.2, 20.2), (0.0, 4.6)])
    assert inside < SILENT
    assert outside > 100 * SILENT
    assert abs(duration_of(copy) - 26.781) < 0.05


def test_a_lossy_original_is_silenced_at_the_same_times() -> None:
    copy, content_type = silenced(STORY_EN_OPUS.read_bytes(), [Span(16.1, 20.3)])
    assert content_type == "audio/flac"
    inside, before, after = rms(copy, [(16.15, 20.25), (0.0, 4.6), (20.7, 26.3)])
    assert inside == 0.0
    assert before > 100 * SILENT
    assert after > 100 * SILENT


def test_a_check_that_raises_stops_the_work() -> None:
    class Stop(Exception):
        pass

    def stop() -> None:
        raise Stop

    with pytest.raises(Stop):
        write_silenced(
            io.BytesIO(STORY_EN.read_bytes()), [Span(1, 2)], target=io.BytesIO(), check=stop
        )
