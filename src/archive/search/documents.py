"""Search documents built from the database: one per transcript segment, carrying the story
fields that filters and access decisions need. Pure."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import json.encoder
import operator
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

FINGERPRINT_VERSION = 5
"""Part of every fingerprint: changing how fingerprints are made changes them all, so every
index reads as stale and `archive reindex --repair` brings it up to date."""


@dataclass(frozen=True, slots=True)
class SegmentDocument:
    segment_id: uuid.UUID
    recording_id: uuid.UUID
    story_id: uuid.UUID
    transcript_id: uuid.UUID
    start: float
    end: float
    text: str
    language: str | None
    story_title: str
    access: str
    owner_id: uuid.UUID | None
    collection_id: uuid.UUID | None
    community_id: uuid.UUID | None = None
    protocol_ids: tuple[uuid.UUID, ...] = ()
    """Sorted; the story's cultural protocols."""
    protocol_mode: str = "all"
    """"all": a reader needs every protocol; "any": one is enough."""
    available: bool = True
    """Published and out of embargo: open to whoever its access allows, not only to the
    community's archivists and whoever put it in."""
    narrators: tuple[uuid.UUID, ...] = ()
    """Sorted (as text); the people linked to the story as narrators. Ids, not names: a
    person's record can be corrected (a name, the passing of someone) without the index
    going stale, and two narrators may share a name. The API looks the names up."""
    subjects: tuple[str, ...] = ()
    """Sorted; the story's subjects as written (filters match them exactly)."""
    decade: int | None = None
    """The decade the story was recorded in (1950 for "1952-06"); None when not known."""
    year: int | None = None
    """The year the story was recorded in (1952 for "1952-06"); None when not known."""
    speaker: str | None = None
    """Who speaks in this segment, as the transcript names them; None when it does not."""
    track: str = "original"
    """Which transcript the segment is from: "original" (what was said) or "translation"
    (its English translation)."""

    @property
    def protocols_required(self) -> int:
        """How many of its protocols a reader must hold (0: none can be enough)."""
        if not self.protocol_ids:
            return 0
        return 1 if self.protocol_mode == "any" else len(self.protocol_ids)

    def fingerprint(self) -> str:
        """A SHA-256 hex digest of every field, the same in every process and on every machine.

        Two documents have the same fingerprint exactly when all their fields are equal, so an
        index that stores it beside each document can tell which documents the database has
        since changed (`archive reindex --check`).
        """
        # The segment's own fields, then the fields it shares with every segment of its
        # recording (encoded once per recording and kept in a cache): two JSON arrays, one
        # after the other, read back unambiguously.
        return _fingerprint(self, _shared_json(_shared_fields(self)))


def fingerprints(documents: Iterable[SegmentDocument]) -> list[str]:
    """`SegmentDocument.fingerprint` of each document, in order: the fields a run of documents
    shares (the segments of one recording, one after the other) are encoded once for the run."""
    found: list[str] = []
    for run in runs(documents):
        shared_json = _shared_json(_shared_fields(run[0]))
        found.extend(_fingerprint(doc, shared_json) for doc in run)
    return found


def runs(documents: Iterable[SegmentDocument]) -> Iterator[list[SegmentDocument]]:
    """`documents` in runs of consecutive documents that share every field but their own
    (segment id, start, end, text, speaker): what a writer can prepare once per run."""
    run: list[SegmentDocument] = []
    last: tuple[object, ...] | None = None
    for doc in documents:
        shared = _shared_fields(doc)
        if shared != last:
            if run:
                yield run
            run, last = [], shared
        run.append(doc)
    if run:
        yield run


def _fingerprint(doc: SegmentDocument, shared_json: str) -> str:
    # The JSON array of the segment's own fields, written out: what `_json` makes of
    # [FINGERPRINT_VERSION, id, repr(start), repr(end), text, speaker] (ids and float reprs
    # hold nothing JSON escapes), without building an encoder for each segment.
    speaker = "null" if doc.speaker is None else _string(str.__str__(doc.speaker))
    own = (
        f'[{FINGERPRINT_VERSION},"{doc.segment_id}","{float(doc.start)!r}",'
        f'"{float(doc.end)!r}",{_string(str.__str__(doc.text))},{speaker}]'
    )
    return hashlib.sha256((own + shared_json).encode("utf-8")).hexdigest()


_string: Callable[[str], str] = json.encoder.encode_basestring
"""A str as a JSON string, non-ASCII kept: what `json.dumps(ensure_ascii=False)` writes."""


def _canonical(value: object) -> object:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, tuple):
        return [_canonical(item) for item in value]
    if isinstance(value, int | float) and not isinstance(value, bool):
        # The numbers are seconds: 3 and 3.0 are the same time. repr() is the shortest text
        # that reads back as the same float, on every platform.
        return repr(float(value))
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, str):
        # A StrEnum (Access) hashes as its value, like the plain string the database holds.
        return str.__str__(value)
    raise TypeError(f"cannot fingerprint a {type(value).__name__}")


_OWN_FIELDS = ("segment_id", "start", "end", "text", "speaker")
_shared_fields = operator.attrgetter(
    *(f.name for f in dataclasses.fields(SegmentDocument) if f.name not in _OWN_FIELDS)
)


def _json(values: list[object]) -> str:
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


@functools.lru_cache(maxsize=4096, typed=True)
def _shared_json(values: tuple[object, ...]) -> str:
    return _json([_canonical(value) for value in values])


def documents_of(
    recording_id: uuid.UUID, documents: Iterable[SegmentDocument]
) -> list[SegmentDocument]:
    """`documents` as a list, each checked to belong to `recording_id` (what every backend's
    `replace_recording` is given). Raises `ValueError` for a document of another recording."""
    docs = list(documents)
    for doc in docs:
        if doc.recording_id != recording_id:
            raise ValueError(
                f"segment {doc.segment_id} belongs to recording {doc.recording_id}, "
                f"not {recording_id}"
            )
    return docs


_YEAR = re.compile(r"(\d{4})(?:-|$)")


def year_of(recorded_date: str | None) -> int | None:
    """The year of a partial date as stored ("1952-06" -> 1952); None when there is none."""
    if recorded_date is None:
        return None
    match = _YEAR.match(recorded_date)
    return None if match is None else int(match.group(1))


def decade_of(recorded_date: str | None) -> int | None:
    """The decade of a partial date as stored ("1952", "1952-06", "1952-06-14" -> 1950);
    None for no date or text that does not start with a four-digit year."""
    if recorded_date is None:
        return None
    match = _YEAR.match(recorded_date)
    if match is None:
        return None
    return int(match.group(1)) // 10 * 10
