import dataclasses
import html

import pytest
import srt
import webvtt

from archive.domain.captions import Cue, render_srt, render_txt, render_vtt
from archive.domain.timecodes import to_milliseconds


def test_empty_transcripts() -> None:
    assert render_vtt([]) == "WEBVTT\n\n"
    assert render_srt([]) == ""
    assert render_txt([]) == ""


def test_cue_is_frozen() -> None:
    cue = Cue(0.0, 1.0, "hello")
    with pytest.raises(dataclasses.FrozenInstanceError):
        cue.text = "changed"  # type: ignore[misc]


def test_vtt_layout() -> None:
    cues = [Cue(0.0, 1.5, "Hello there."), Cue(2.0, 3.25, "Welcome.", speaker="Aunt Mere")]
    assert render_vtt(cues) == (
        "WEBVTT\n"
        "\n"
        "00:00:00.000 --> 00:00:01.500\n"
        "Hello there.\n"
        "\n"
        "00:00:02.000 --> 00:00:03.250\n"
        "<v Aunt Mere>Welcome.\n"
    )


def test_srt_layout() -> None:
    cues = [Cue(0.0, 1.5, "Hello there."), Cue(2.0, 3.25, "Welcome.", speaker="Aunt Mere")]
    assert render_srt(cues) == (
        "1\n"
        "00:00:00,000 --> 00:00:01,500\n"
        "Hello there.\n"
        "\n"
        "2\n"
        "00:00:02,000 --> 00:00:03,250\n"
        "Aunt Mere: Welcome.\n"
        "\n"
    )


def test_txt_layout() -> None:
    cues = [Cue(0.0, 1.5, "Hello there."), Cue(2.0, 3.25, "Welcome.", speaker="Aunt Mere")]
    assert render_txt(cues) == "Hello there.\nAunt Mere: Welcome.\n"


@pytest.mark.parametrize(
    ("text", "vtt_payload"),
    [
        ("fish & chips", "fish &amp; chips"),
        ("a <b>bold</b> claim", "a &lt;b&gt;bold&lt;/b&gt; claim"),
        ("1 < 2 > 0", "1 &lt; 2 &gt; 0"),
        ("already &amp; escaped", "already &amp;amp; escaped"),
        ("the road --> the river", "the road --&gt; the river"),
        ("first line\nsecond line", "first line second line"),
        ("para one\n\n\npara two", "para one para two"),
        ("  tabs\tand   spaces  ", "tabs and spaces"),
        ("Ngā mihi, café", "Ngā mihi, café"),
    ],
)
def test_vtt_escapes_and_folds_text(text: str, vtt_payload: str) -> None:
    out = render_vtt([Cue(1.0, 2.0, text)])
    assert out == f"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n{vtt_payload}\n"


@pytest.mark.parametrize(
    ("speaker", "vtt_payload", "txt_line"),
    [
        ("Ana", "<v Ana>kia ora", "Ana: kia ora"),
        ("Mere & Hone", "<v Mere &amp; Hone>kia ora", "Mere & Hone: kia ora"),
        ("<Interviewer>", "<v &lt;Interviewer&gt;>kia ora", "<Interviewer>: kia ora"),
        ("  Old\nTom ", "<v Old Tom>kia ora", "Old Tom: kia ora"),
        ("", "kia ora", "kia ora"),
        ("   ", "kia ora", "kia ora"),
        (None, "kia ora", "kia ora"),
    ],
)
def test_speakers(speaker: str | None, vtt_payload: str, txt_line: str) -> None:
    cues = [Cue(0.0, 1.0, "kia ora", speaker=speaker)]
    assert render_vtt(cues).splitlines()[-1] == vtt_payload
    assert render_txt(cues) == f"{txt_line}\n"
    assert render_srt(cues).splitlines()[2] == txt_line


def test_srt_softens_arrows_and_keeps_text_otherwise() -> None:
    out = render_srt([Cue(0.0, 1.0, "a <i>b</i> & c --> d")])
    assert out.splitlines()[2] == "a <i>b</i> & c -> d"


@pytest.mark.parametrize(
    ("start", "end", "vtt_timing"),
    [
        (5.0, 5.0, "00:00:05.000 --> 00:00:05.001"),
        (5.0, 4.0, "00:00:05.000 --> 00:00:05.001"),
        # equal once rounded to the millisecond
        (5.0, 5.0004, "00:00:05.000 --> 00:00:05.001"),
        (5.0, 5.0015, "00:00:05.000 --> 00:00:05.002"),
    ],
)
def test_cues_without_duration_last_one_millisecond(
    start: float, end: float, vtt_timing: str
) -> None:
    cues = [Cue(start, end, "short")]
    assert render_vtt(cues).splitlines()[2] == vtt_timing
    assert render_srt(cues).splitlines()[1] == vtt_timing.replace(".", ",")


def test_cues_are_emitted_by_start_then_end() -> None:
    cues = [
        Cue(9.0, 10.0, "fourth"),
        Cue(1.0, 3.0, "second"),
        Cue(1.0, 2.0, "first"),
        Cue(4.0, 5.0, "third"),
    ]
    assert render_txt(cues) == "first\nsecond\nthird\nfourth\n"
    numbered = render_srt(cues).split("\n\n")
    assert [block.splitlines()[0] for block in numbered if block] == ["1", "2", "3", "4"]
    assert [block.splitlines()[2] for block in numbered if block] == [
        "first",
        "second",
        "third",
        "fourth",
    ]


def test_cues_with_no_text_are_left_out() -> None:
    cues = [Cue(0.0, 1.0, " \n "), Cue(1.0, 2.0, "said", speaker="Ana"), Cue(2.0, 3.0, "")]
    assert render_txt(cues) == "Ana: said\n"
    assert render_srt(cues).startswith("1\n00:00:01,000 --> 00:00:02,000\n")
    assert render_vtt(cues).count("-->") == 1


def test_negative_time_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        render_vtt([Cue(-1.0, 1.0, "before the start")])


ROUND_TRIP_CUES = [
    Cue(62.5, 64.0, "Then the river rose --> and <everything> changed & we left.", "Nana Rose"),
    Cue(0.0, 2.25, "My grandmother carried the seeds up the hill."),
    Cue(2.25, 2.25, "Yes."),
    Cue(3.0, 6.1235, "She kept them\n\nin a clay jar.", speaker="Interviewer <B>"),
    Cue(7.0, 9.9995, "Ngā mihi & kia ora — café 100%"),
    Cue(101 * 3600 + 0.25, 101 * 3600 + 1.0, "Much later.", speaker="A & B"),
]


def _expected(cue: Cue) -> tuple[int, int, str]:
    # to_milliseconds has its own table of rounding cases; here the parsers are under test.
    start_ms = to_milliseconds(cue.start)
    end_ms = max(to_milliseconds(cue.end), start_ms + 1)
    return start_ms, end_ms, " ".join(cue.text.split())


def test_vtt_round_trips_through_webvtt_py() -> None:
    parsed = webvtt.from_string(render_vtt(ROUND_TRIP_CUES), strict=True)
    expected = sorted(ROUND_TRIP_CUES, key=lambda cue: _expected(cue)[:2])
    assert len(parsed.captions) == len(expected)
    for caption, cue in zip(parsed.captions, expected, strict=True):
        start_ms, end_ms, text = _expected(cue)
        assert caption.start_time.in_milliseconds() == start_ms
        assert caption.end_time.in_milliseconds() == end_ms
        assert html.unescape(caption.text) == text
        speaker = " ".join(cue.speaker.split()) if cue.speaker else None
        voice = caption.voice
        assert (html.unescape(voice) if voice is not None else None) == speaker


def test_srt_round_trips_through_srt() -> None:
    parsed = list(srt.parse(render_srt(ROUND_TRIP_CUES)))
    expected = sorted(ROUND_TRIP_CUES, key=lambda cue: _expected(cue)[:2])
    assert [subtitle.index for subtitle in parsed] == list(range(1, len(expected) + 1))
    for subtitle, cue in zip(parsed, expected, strict=True):
        start_ms, end_ms, text = _expected(cue)
        assert subtitle.start.total_seconds() * 1000 == pytest.approx(start_ms)
        assert subtitle.end.total_seconds() * 1000 == pytest.approx(end_ms)
        line = f"{' '.join(cue.speaker.split())}: {text}" if cue.speaker else text
        assert subtitle.content == line.replace("-->", "->")


def test_srt_output_is_what_srt_itself_would_write() -> None:
    rendered = render_srt(ROUND_TRIP_CUES)
    assert srt.compose(srt.parse(rendered), reindex=False) == rendered


def test_a_cue_in_another_language_is_marked_in_webvtt_only() -> None:
    cues = [
        Cue(0.0, 2.0, "Mi abuela cruzó el río.", language="es"),
        Cue(2.5, 4.0, "My grandfather worked at the harbour.", language="en"),
    ]
    vtt = render_vtt(cues, language="es")
    assert "\nMi abuela cruzó el río.\n" in vtt
    assert "\n<lang en>My grandfather worked at the harbour.</lang>\n" in vtt
    # SRT has no language markup: its text is left as it is.
    assert "<lang" not in render_srt(cues)
    assert render_vtt(cues[:1], language="es") == render_vtt([Cue(0.0, 2.0, cues[0].text)])
