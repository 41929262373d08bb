"""OHMS XML (the Nunn Center's Oral History Metadata Synchronizer, version 5.4 of its record
format), free of I/O: a story's metadata, its transcript as numbered lines with a sync point
every minute, and an index of segments with titles, synopses, keywords and subjects, so the
OHMS viewer that oral historians already use plays it.

The transcript is one line per transcript segment (`SPEAKER: text`). `<sync>` is `1:` (one
minute between points) then, for each minute from the start, `line(word)`: the line and the
word being spoken at that minute (empty for minute 0). Index points gather the segments of
each stretch of about `INDEX_SECONDS`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

OHMS = "https://www.weareavp.com/nunncenter/ohms"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
OHMS_SCHEMA = "https://www.weareavp.com/nunncenter/ohms/ohms.xsd"
VERSION = "5.4"
INDEX_SECONDS = 120.0
TITLE_CHARS = 80
SYNOPSIS_CHARS = 600
KEYWORDS = 5
_WORD = re.compile(r"[^\W\d_]{5,}", re.UNICODE)
_COMMON = frozenset(
    [
        "about",
        "after",
        "again",
        "there",
        "their",
        "these",
        "those",
        "which",
        "while",
        "would",
        "could",
        "should",
        "where",
        "being",
        "because",
        "before",
        "other",
        "every",
        "never",
        "always",
        "still",
        "within",
        "without",
        "through",
    ]
)


@dataclass(frozen=True, slots=True)
class Line:
    start: float
    end: float
    text: str
    speaker: str | None
    word_starts: tuple[float, ...] = ()
    """When each word of `text` begins, when known."""


@dataclass(frozen=True, slots=True)
class OhmsRecord:
    record_id: int
    """OHMS wants an integer id; the archive's own id goes in `cms_record_id`."""
    cms_record_id: str
    title: str
    description: str
    recorded: str | None
    duration: float | None
    collection_id: str | None
    collection_name: str | None
    repository: str | None
    interviewees: tuple[str, ...]
    interviewers: tuple[str, ...]
    subjects: tuple[str, ...]
    keywords: tuple[str, ...]
    language: str | None
    media_url: str
    file_name: str
    rights: str | None
    lines: tuple[Line, ...]


def _add(parent: ET.Element, tag: str, *, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{OHMS}}}{tag}")
    if text is not None:
        element.text = text
    return element


def line_text(line: Line) -> str:
    return f"{line.speaker.upper()}: {line.text}" if line.speaker else line.text


def sync(lines: Sequence[Line], *, duration: float) -> str:
    """The `<sync>` value: for each whole minute, the line (1-based) and word (1-based) being
    spoken then, or the next line to be spoken."""
    points = [""]
    minute = 1
    while minute * 60 <= duration:
        at = minute * 60.0
        index = next((i for i, line in enumerate(lines) if line.end > at), None)
        if index is None:
            break
        line = lines[index]
        word = 1
        if line.start < at and line.word_starts:
            word = max(1, sum(1 for start in line.word_starts if start <= at))
        elif line.start < at:
            words = max(1, len(line_text(line).split()))
            share = (at - line.start) / max(line.end - line.start, 1e-6)
            word = min(words, 1 + int(share * words))
        points.append(f"{index + 1}({word})")
        minute += 1
    return "1:" + "|".join(points)


def _keywords(text: str) -> list[str]:
    counts = Counter(w.lower() for w in _WORD.findall(text) if w.lower() not in _COMMON)
    return [word for word, _ in counts.most_common(KEYWORDS)]


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def index_points(lines: Sequence[Line]) -> list[list[Line]]:
    """The lines of each index point: a new point every `INDEX_SECONDS` or so, at a line."""
    points: list[list[Line]] = []
    for line in lines:
        if not points or line.start - points[-1][0].start >= INDEX_SECONDS:
            points.append([])
        points[-1].append(line)
    return points


def render(record: OhmsRecord, *, today: date) -> bytes:
    root = ET.Element(f"{{{OHMS}}}ROOT")
    root.set(f"{{{XSI}}}schemaLocation", OHMS_SCHEMA)
    item = ET.SubElement(
        root, f"{{{OHMS}}}record", {"id": str(record.record_id), "dt": today.isoformat()}
    )
    _add(item, "version", text=VERSION)
    recorded = ET.SubElement(item, f"{{{OHMS}}}date")
    recorded.set("value", record.recorded or "")
    recorded.set("format", "yyyy-mm-dd")
    _add(item, "cms_record_id", text=record.cms_record_id)
    _add(item, "title", text=record.title)
    _add(item, "accession", text=record.cms_record_id)
    if record.duration is not None:
        seconds = int(record.duration)
        _add(
            item, "duration", text=f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        )
    if record.collection_id:
        _add(item, "collection_id", text=record.collection_id)
        _add(item, "collection_name", text=record.collection_name or "")
    if record.repository:
        _add(item, "repository", text=record.repository)
    for subject in record.subjects:
        _add(item, "subject", text=subject)
    for keyword in record.keywords:
        _add(item, "keyword", text=keyword)
    for name in record.interviewees:
        _add(item, "interviewee", text=name)
    for name in record.interviewers:
        _add(item, "interviewer", text=name)
    _add(item, "file_name", text=record.file_name)
    _add(item, "sync", text=sync(record.lines, duration=record.duration or 0.0))
    _add(item, "media_url", text=record.media_url)
    media = _add(item, "mediafile")
    _add(media, "host", text="Other")
    _add(media, "clip_format", text="audio")
    if record.language:
        _add(item, "language", text=record.language)
    index = _add(item, "index")
    for lines in index_points(record.lines):
        text = " ".join(line.text for line in lines)
        point = _add(index, "point")
        _add(point, "time", text=str(int(lines[0].start)))
        _add(point, "title", text=_shorten(lines[0].text, TITLE_CHARS))
        _add(point, "partial_transcript", text=_shorten(lines[0].text, SYNOPSIS_CHARS))
        _add(point, "synopsis", text=_shorten(text, SYNOPSIS_CHARS))
        _add(point, "keywords", text=";".join(_keywords(text)))
        _add(point, "subjects", text=";".join(record.subjects))
    _add(item, "type", text="interview")
    _add(item, "description", text=record.description)
    _add(item, "transcript", text="\n".join(line_text(line) for line in record.lines))
    if record.rights:
        _add(item, "rights", text=record.rights)
    _add(item, "fmt", text="audio")
    ET.register_namespace("", OHMS)
    ET.register_namespace("xsi", XSI)
    serialized: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return serialized
