"""Transcripts rendered as WebVTT, SRT and plain text, for players, editors and readers.

Every renderer takes cues in any order and emits them sorted by start (then end), so a transcript
whose segments were edited out of order still plays. Times are rounded to the millisecond, and a
cue that would end at or before its start is stretched to last one millisecond: validators and
players reject or drop zero-length cues, and an archive must not lose a line of a story for that.
Cue text is folded onto one line (all runs of whitespace, newlines included, become one space),
because a blank line ends a cue in both formats; a cue left with no text is not emitted, since it
would show nothing and an empty payload is not valid WebVTT.

Languages: a WebVTT cue in another language than the transcript's own is wrapped in a
`<lang xx>` span (the one way WebVTT marks a cue's language). SRT has no markup for a language,
and many players show tags they do not know as text, so SRT and plain text carry none: use
WebVTT or the JSON transcript, whose segments each carry their `language`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from archive.domain.timecodes import format_srt_timestamp, format_vtt_timestamp, to_milliseconds

_MIN_DURATION_MS = 1


@dataclass(frozen=True, slots=True)
class Cue:
    """One timed line of a transcript; `start` and `end` are seconds from the recording's start."""

    start: float
    end: float
    text: str
    speaker: str | None = None
    language: str | None = None
    """The cue's language (a BCP 47 tag such as "es"), when known."""


@dataclass(frozen=True, slots=True)
class _Timed:
    start_ms: int
    end_ms: int
    text: str
    speaker: str | None
    language: str | None = None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _prepared(cues: Iterable[Cue]) -> list[_Timed]:
    timed: list[_Timed] = []
    for cue in cues:
        text = _one_line(cue.text)
        if not text:
            continue
        start_ms = to_milliseconds(cue.start)
        end_ms = max(to_milliseconds(cue.end), start_ms + _MIN_DURATION_MS)
        speaker = _one_line(cue.speaker) if cue.speaker is not None else ""
        timed.append(_Timed(start_ms, end_ms, text, speaker or None, cue.language))
    timed.sort(key=lambda cue: (cue.start_ms, cue.end_ms))
    return timed


def _seconds(millis: int) -> float:
    return millis / 1000


def _escape_vtt(text: str) -> str:
    # The WebVTT spec's escapes; escaping ">" also keeps "-->" out of the cue payload.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _language_tag(language: str) -> str:
    # A language tag is letters, digits and hyphens; anything else is left out of the markup.
    return "".join(ch for ch in language if ch.isascii() and (ch.isalnum() or ch == "-"))


def render_vtt(cues: Iterable[Cue], *, language: str | None = None) -> str:
    """A WebVTT file; a speaker becomes a `<v Name>` voice span, and a cue whose language is
    known and is not `language` (the transcript's own) a `<lang xx>` span. No cues gives
    `WEBVTT\\n\\n`."""
    blocks = []
    for cue in _prepared(cues):
        timing = (
            f"{format_vtt_timestamp(_seconds(cue.start_ms))} --> "
            f"{format_vtt_timestamp(_seconds(cue.end_ms))}"
        )
        payload = _escape_vtt(cue.text)
        tag = _language_tag(cue.language or "")
        if tag and cue.language != language:
            payload = f"<lang {tag}>{payload}</lang>"
        if cue.speaker is not None:
            payload = f"<v {_escape_vtt(cue.speaker)}>{payload}"
        blocks.append(f"{timing}\n{payload}\n")
    return "WEBVTT\n\n" + "\n".join(blocks)


def _plain_srt(text: str) -> str:
    # SRT has no escapes; an arrow inside the text would make some readers take the line for a
    # timing line, so it is softened rather than kept verbatim.
    return text.replace("-->", "->")


def render_srt(cues: Iterable[Cue]) -> str:
    """An SRT file numbered from 1, LF line ends; a speaker is written as a `Name: ` prefix.

    Text is written as given (SRT has no escaping, and many players read `<i>` as italics),
    except that "-->" becomes "->". No cues gives the empty string.
    """
    blocks = []
    for number, cue in enumerate(_prepared(cues), start=1):
        timing = (
            f"{format_srt_timestamp(_seconds(cue.start_ms))} --> "
            f"{format_srt_timestamp(_seconds(cue.end_ms))}"
        )
        line = _plain_srt(_with_speaker(cue))
        blocks.append(f"{number}\n{timing}\n{line}\n\n")
    return "".join(blocks)


def _with_speaker(cue: _Timed) -> str:
    return f"{cue.speaker}: {cue.text}" if cue.speaker is not None else cue.text


def render_txt(cues: Iterable[Cue]) -> str:
    """One line per cue, in time order, `Name: ` before it when the speaker is known."""
    return "".join(f"{_with_speaker(cue)}\n" for cue in _prepared(cues))
