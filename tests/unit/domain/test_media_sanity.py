"""What no real recording looks like: absurd channel counts or sample rates, and sound data
that is a script, a playlist or text behind an audio header. Pure."""

from __future__ import annotations

import random

import pytest

from archive.domain.formats import non_audio_payload, stream_problem


@pytest.mark.parametrize(
    ("channels", "sample_rate"),
    [(1, 16_000), (2, 48_000), (1, 8_000), (6, 44_100), (64, 96_000), (2, 768_000), (1, 1_000)],
)
def test_real_streams_pass(channels: int, sample_rate: int) -> None:
    assert stream_problem(channels=channels, sample_rate=sample_rate) is None


@pytest.mark.parametrize(
    ("channels", "sample_rate", "said"),
    [
        (255, 16_000, "255 channels"),
        (65, 16_000, "65 channels"),
        (0, 16_000, "no channels"),
        (1, 100, "100 Hz"),
        (1, 999, "999 Hz"),
        (2, 768_001, "768,001 Hz"),
        (1, 4_000_000, "4,000,000 Hz"),
    ],
)
def test_absurd_streams_are_named(channels: int, sample_rate: int, said: str) -> None:
    problem = stream_problem(channels=channels, sample_rate=sample_rate)
    assert problem is not None
    assert said in problem


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        (b"<?php system($_GET['c']); ?>\n" * 50, "PHP"),
        (b"\0\0\0\0<?PHP echo 1; ?>", "PHP"),
        (b"#EXTM3U\n#EXTINF:-1,x\nhttp://127.0.0.1/x\n", "playlist"),
        (b"ffconcat version 1.0\nfile '/etc/passwd'\n", "playlist"),
        (b"<!DOCTYPE html><html><script>alert(1)</script>", "web page"),
        (b"\x7fELF\x02\x01\x01" + bytes(100), "program"),
    ],
)
def test_documents_behind_an_audio_header_are_named(payload: bytes, kind: str) -> None:
    for raw in (True, False):
        found = non_audio_payload(payload, raw_samples=raw)
        assert found is not None
        assert kind in found


def test_plain_text_is_not_sound_when_samples_are_raw() -> None:
    text = b"Once upon a time, by the river, there lived a fisherman.\n" * 30
    assert non_audio_payload(text, raw_samples=True) == "plain text"
    # compressed sound is checked by decoding it, not by how its bytes read
    assert non_audio_payload(text, raw_samples=False) is None


@pytest.mark.parametrize("seed", range(20))
def test_sound_is_sound(seed: int) -> None:
    rng = random.Random(seed)
    noise = bytes(rng.randrange(256) for _ in range(4096))
    assert non_audio_payload(noise, raw_samples=True) is None
    # quiet 8-bit sound hovers around 0x80, on both sides of the printable range
    quiet = bytes(128 + rng.randrange(-6, 7) for _ in range(4096))
    assert non_audio_payload(quiet, raw_samples=True) is None
    assert non_audio_payload(bytes(4096), raw_samples=True) is None  # digital silence
