"""Which uploads are opened as audio, and what a person is told about the rest.

Real headers come from files sox writes here and from the committed speech fixtures; the rest
are hand-built to the formats' specifications.
"""

import random
import subprocess
from pathlib import Path

import pytest

from archive.domain.formats import (
    AAC,
    ALLOWED_DEMUXERS,
    FLAC,
    MATROSKA,
    MP3,
    MP4,
    OGG,
    SNIFF_BYTES,
    WAV,
    WEBM,
    Container,
    describe_unknown,
    sniff_container,
)

FIXTURES = Path(__file__).parents[2] / "fixtures"
SYNTH = ("synth", "0.5", "sine", "440", "gain", "-6")


def _head(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(SNIFF_BYTES)


@pytest.mark.parametrize(
    ("name", "sox_options", "expected"),
    [
        ("mono16k.wav", ["-r", "16000", "-c", "1"], WAV),
        ("stereo48k24bit.wav", ["-r", "48000", "-c", "2", "-b", "24"], WAV),
        ("mono16k.flac", ["-r", "16000", "-c", "1"], FLAC),
        ("stereo44k.flac", ["-r", "44100", "-c", "2"], FLAC),
        # MPEG-2 Layer III (0xFFF3 sync) and MPEG-1 Layer III (0xFFFB sync)
        ("mono16k.mp3", ["-r", "16000", "-c", "1"], MP3),
        ("stereo44k.mp3", ["-r", "44100", "-c", "2"], MP3),
        ("vorbis.ogg", ["-r", "44100", "-c", "1"], OGG),
    ],
)
def test_recordings_written_by_sox(
    tmp_path: Path, name: str, sox_options: list[str], expected: Container
) -> None:
    path = tmp_path / name
    subprocess.run(
        ["sox", "-n", *sox_options, str(path), *SYNTH],
        check=True,
        capture_output=True,
    )
    assert sniff_container(_head(path)) == expected


def test_mp3_with_an_id3_tag_written_by_sox(tmp_path: Path) -> None:
    path = tmp_path / "tagged.mp3"
    comment = "Title=Grandmother's flood story"
    subprocess.run(
        ["sox", "-n", "--comment", comment, "-r", "44100", str(path), *SYNTH],
        check=True,
        capture_output=True,
    )
    head = _head(path)
    assert head.startswith(b"ID3"), "sox no longer tags MP3s; this test would check nothing"
    assert sniff_container(head) == MP3


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("story_en.opus", OGG),
        ("story_en.flac", FLAC),
        ("silence.flac", FLAC),
    ],
)
def test_committed_fixtures(name: str, expected: Container) -> None:
    assert sniff_container(_head(FIXTURES / name)) == expected


def _id3(body_size: int) -> bytes:
    """An ID3v2.4 header announcing a tag body of `body_size` bytes (a syncsafe integer)."""
    size = bytes((body_size >> shift) & 0x7F for shift in (21, 14, 7, 0))
    return b"ID3\x04\x00\x00" + size


MP3_FRAME = b"\xff\xfb\x90\x64" + bytes(413)
FLAC_HEAD = b"fLaC\x00\x00\x00\x22" + bytes(34)
WEBM_EBML = (
    b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08"
    b"\x42\x82\x84webm\x42\x87\x81\x04\x42\x85\x81\x02"
)
MKV_EBML = (
    b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08"
    b"\x42\x82\x88matroska\x42\x87\x81\x04\x42\x85\x81\x02"
)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        pytest.param(b"\x00\x00\x00\x20ftypM4A \x00\x00\x02\x00M4A isommp42", MP4, id="m4a"),
        pytest.param(b"\x00\x00\x00\x1cftypisom\x00\x00\x02\x00isomiso2mp41", MP4, id="mp4"),
        pytest.param(b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ", MP4, id="mov"),
        # older QuickTime files open with other top-level boxes
        pytest.param(b"\x00\x00\x00\x08wide\x00\x01\x00\x00mdat", MP4, id="mov-wide"),
        pytest.param(b"\x00\x00\x00\x6cmoov\x00\x00\x00\x6cmvhd", MP4, id="mov-moov"),
        pytest.param(WEBM_EBML, WEBM, id="webm"),
        pytest.param(MKV_EBML, MATROSKA, id="matroska"),
        pytest.param(b"\xff\xf1\x50\x80\x02\x1f\xfc" + bytes(64), AAC, id="adts-mpeg4"),
        pytest.param(b"\xff\xf9\x50\x80\x02\x1f\xfc" + bytes(64), AAC, id="adts-mpeg2"),
        pytest.param(MP3_FRAME, MP3, id="mp3-mpeg1-layer3"),
        pytest.param(b"\xff\xf3\x38\xc4" + bytes(64), MP3, id="mp3-mpeg2-layer3"),
        pytest.param(b"\xff\xe3\x18\xc4" + bytes(64), MP3, id="mp3-mpeg2.5-layer3"),
        pytest.param(b"\xff\xfd\x90\x00" + bytes(64), MP3, id="mp2-mpeg1-layer2"),
        pytest.param(_id3(10) + bytes(10) + MP3_FRAME, MP3, id="id3-then-frame"),
        pytest.param(_id3(3) + b"TIT" + _id3(2) + b"xx" + MP3_FRAME, MP3, id="two-id3-tags"),
        # cover art makes tags bigger than what we read: only MP3 files carry those
        pytest.param(_id3(200_000) + bytes(SNIFF_BYTES - 10), MP3, id="id3-past-window"),
        # careless taggers put ID3 in front of other formats too
        pytest.param(_id3(10) + bytes(10) + FLAC_HEAD, FLAC, id="id3-then-flac"),
        pytest.param(b"RF64\xff\xff\xff\xffWAVEds64", WAV, id="rf64"),
    ],
)
def test_hand_built_headers(head: bytes, expected: Container) -> None:
    assert sniff_container(head) == expected


def test_every_container_opens_with_an_allowed_demuxer() -> None:
    for container in (WAV, FLAC, MP3, OGG, MP4, MATROSKA, WEBM, AAC):
        assert container.demuxer in ALLOWED_DEMUXERS
    # FFmpeg demuxers that open other files or URLs must never be handed an upload
    assert ALLOWED_DEMUXERS.isdisjoint({"hls", "concat", "sdp", "image2", "rtsp", "tee"})


@pytest.mark.parametrize(
    ("head", "described_as"),
    [
        pytest.param(
            b"#EXTM3U\n#EXT-X-VERSION:3\n#EXTINF:10,\nhttp://example.org/a.ts\n",
            "playlist",
            id="hls",
        ),
        pytest.param(b"\n  #EXTM3U\nfile:///etc/passwd\n", "playlist", id="hls-indented"),
        pytest.param(b"ffconcat version 1.0\nfile 'a.wav'\n", "playlist", id="ffconcat"),
        pytest.param(b"file '/etc/passwd'\nfile 'b.wav'\n", "playlist", id="concat"),
        pytest.param(
            b"Grandma told us about the flood of 1953.\n", "plain text", id="english-text"
        ),
        pytest.param("Bà kể chuyện trận lụt năm 1953.\n".encode(), "plain text", id="utf8-text"),
        pytest.param(
            b"v=0\r\no=- 0 0 IN IP4 10.0.0.1\r\nm=audio 5004 RTP/AVP 0\r\n",
            "plain text",
            id="sdp",
        ),
        pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "PDF", id="pdf"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR" + bytes(16), "image", id="png"),
        pytest.param(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01", "image", id="jpeg"),
        pytest.param(b"GIF89a\x01\x00\x01\x00\x80\x00\x00", "image", id="gif"),
        pytest.param(b"PK\x03\x04\x14\x00\x06\x00\x08\x00" + bytes(20), "ZIP", id="zip"),
        pytest.param(b"", "empty", id="empty"),
        pytest.param(
            random.Random(20261122).randbytes(SNIFF_BYTES), "not one we recognise", id="random"
        ),
        # frame-sync lookalikes: a reserved layer, and the forbidden bitrate index
        pytest.param(b"\xff\xe1\x90\x00" + bytes(64), "not one we recognise", id="layer-00"),
        pytest.param(b"\xff\xfb\xf0\x00" + bytes(64), "not one we recognise", id="bitrate-1111"),
        # an ID3 tag in front of something that is not audio
        pytest.param(
            _id3(4) + b"TIT2" + b"\x89PNG\r\n\x1a\n", "not one we recognise", id="id3-png"
        ),
    ],
)
def test_refusals(head: bytes, described_as: str) -> None:
    assert sniff_container(head) is None
    assert described_as in describe_unknown(head)


def test_non_english_text_cut_mid_character_is_still_text() -> None:
    head = ("祖母は一九五三年の洪水の話をしてくれた。" * 100).encode()[:SNIFF_BYTES]
    assert not _is_utf8(head[:512]), "the 512-byte sample must end inside a character"
    assert describe_unknown(head) == "it looks like plain text"


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
