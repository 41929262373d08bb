"""Writing the built-in index's rows: a segment's metadata row, its text and stems with the
tag words that narrow a search to who may see it, and its narrator and subject terms. What the
segments of one recording share is prepared once per run of them (`documents.runs`).

Only `fts5` calls these, inside its own write transactions.
"""

from __future__ import annotations

import functools
import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from archive.search import fts5_tags
from archive.search.analysis import is_stemmed, stems_text
from archive.search.documents import SegmentDocument, fingerprints, runs

NARRATOR_FIELD = "narrator"
SUBJECT_FIELD = "subject"


DELETE_BATCH = 500  # well under SQLite's limit of bound parameters per statement


_INSERT_META = """
INSERT INTO segment_meta (rowid, segment_id, start_seconds, end_seconds, fingerprint, speaker,
                          recording_id, story_id, transcript_id, language, story_title, access,
                          owner_id, collection_id, community_id, protocol_ids,
                          protocols_required, available, decade, year, track)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""


_INSERT_TEXT = "INSERT INTO segment_text (rowid, text, stems, tags) VALUES (?, ?, ?, ?)"


# A recording whose segments come in more than one run (a rebuild's batches split them) adds
# its terms once.
_INSERT_TERM = "INSERT OR IGNORE INTO recording_terms (recording_id, field, value) VALUES (?, ?, ?)"


@dataclass(slots=True)
class Rows:
    """The rows of a run of documents, ready for `write_rows`."""

    count: int
    meta: list[tuple[object, ...]]
    texts: list[tuple[int, str, str, str]]
    terms: list[tuple[str, str, str]]


def insert_documents(
    conn: sqlite3.Connection, docs: Sequence[SegmentDocument], *, first_rowid: int
) -> None:
    """Each table written with one prepared statement for all of `docs`, rowids from
    `first_rowid` on."""
    write_rows(conn, document_rows(docs, first_rowid=first_rowid))


def document_rows(docs: Sequence[SegmentDocument], *, first_rowid: int) -> Rows:
    """The rows of `docs`, rowids from `first_rowid` on. What the segments of a recording share
    (ids as text, tags, narrators and subjects) is prepared once per run of them."""
    meta: list[tuple[object, ...]] = []
    texts: list[tuple[int, str, str, str]] = []
    terms: list[tuple[str, str, str]] = []
    prints = iter(fingerprints(docs))
    rowid = first_rowid
    for run in runs(docs):
        head = run[0]
        shared = _shared_meta(head)
        tags = _document_tags(head)
        found = {(NARRATOR_FIELD, _text(p) or "") for p in head.narrators}
        found.update((SUBJECT_FIELD, subject) for subject in head.subjects)
        recording_id = str(head.recording_id)
        terms.extend((recording_id, field, value) for field, value in sorted(found))
        stemmed = is_stemmed(head.language)
        for doc in run:
            meta.append(
                (rowid, str(doc.segment_id), doc.start, doc.end, next(prints), doc.speaker, *shared)
            )
            stems = stems_text(doc.text, doc.language) if stemmed else ""
            texts.append((rowid, doc.text, stems, tags))
            rowid += 1
    return Rows(count=len(docs), meta=meta, texts=texts, terms=terms)


def write_rows(conn: sqlite3.Connection, rows: Rows) -> None:
    conn.executemany(_INSERT_META, rows.meta)
    conn.executemany(_INSERT_TEXT, rows.texts)
    conn.executemany(_INSERT_TERM, rows.terms)


def next_rowid(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT coalesce(max(rowid), 0) + 1 FROM segment_meta").fetchone()[0])


def _document_tags(doc: SegmentDocument) -> str:
    # The segments of a story share every tag but the speaker's: made once per combination.
    return _cached_tags(
        str(doc.access),
        doc.available,
        doc.community_id,
        doc.owner_id,
        doc.story_id,
        doc.protocols_required,
        doc.language,
        doc.collection_id,
        doc.decade,
        doc.year,
        doc.narrators,
    )


@functools.lru_cache(maxsize=4096)
def _cached_tags(*fields: Any) -> str:
    (
        access,
        available,
        community_id,
        owner_id,
        story_id,
        protocols_required,
        language,
        collection_id,
        decade,
        year,
        narrators,
    ) = fields
    return fts5_tags.document_tags(
        access=access,
        available=available,
        community_id=community_id,
        owner_id=owner_id,
        story_id=story_id,
        protocols_required=protocols_required,
        language=language,
        collection_id=collection_id,
        decade=decade,
        year=year,
        narrators=narrators,
    )


def retag(conn: sqlite3.Connection) -> None:
    """Copies the text of a file of an older version (`segment_text_old`) into the new text
    table with each document's tags, in batches, in the caller's transaction."""
    after = 0
    while rows := conn.execute(
        """
        SELECT m.rowid, o.text, m.access, m.available, m.community_id, m.owner_id, m.story_id,
               m.recording_id, m.protocols_required, m.language, m.collection_id, m.decade,
               (SELECT group_concat(value, char(31)) FROM recording_terms
                WHERE recording_id = m.recording_id AND field = 'narrator'),
               (SELECT group_concat(value, char(31)) FROM recording_terms
                WHERE recording_id = m.recording_id AND field = 'subject')
        FROM segment_meta AS m JOIN segment_text_old AS o ON o.rowid = m.rowid
        WHERE m.rowid > ? ORDER BY m.rowid LIMIT 1000
        """,
        (after,),
    ).fetchall():
        conn.executemany(
            _INSERT_TEXT,
            [
                (
                    row[0],
                    row[1] or "",
                    stems_text(row[1] or "", row[9]),
                    fts5_tags.document_tags(
                        access=row[2],
                        available=bool(row[3]),
                        community_id=row[4],
                        owner_id=row[5],
                        story_id=row[6],
                        protocols_required=row[8],
                        language=row[9],
                        collection_id=row[10],
                        decade=row[11],
                        year=None,
                        narrators=(row[12] or "").split("\x1f") if row[12] else (),
                    ),
                )
                for row in rows
            ],
        )
        after = rows[-1][0]
    conn.execute("DROP TABLE segment_text_old")


def delete_recording(conn: sqlite3.Connection, recording_id: uuid.UUID) -> None:
    key = str(recording_id)
    rowids = "(SELECT rowid FROM segment_meta WHERE recording_id = ?)"
    conn.execute(f"DELETE FROM segment_text WHERE rowid IN {rowids}", (key,))
    conn.execute("DELETE FROM recording_terms WHERE recording_id = ?", (key,))
    conn.execute("DELETE FROM segment_meta WHERE recording_id = ?", (key,))


def forget_emptied_recordings(conn: sqlite3.Connection, recording_ids: Sequence[str]) -> None:
    """Deletes the terms of those of `recording_ids` that have no document left."""
    for start in range(0, len(recording_ids), DELETE_BATCH):
        batch = recording_ids[start : start + DELETE_BATCH]
        marks = ", ".join("?" * len(batch))
        conn.execute(
            f"DELETE FROM recording_terms WHERE recording_id IN ({marks}) AND NOT EXISTS "
            "(SELECT 1 FROM segment_meta WHERE recording_id = recording_terms.recording_id)",
            batch,
        )


def move_terms(conn: sqlite3.Connection) -> None:
    """Moves the narrators and subjects of a file that kept them per segment (`segment_terms`,
    versions 4 to 7) to their recordings, in the caller's transaction."""
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'segment_terms'"
    ).fetchone()
    if found is None:
        return
    conn.execute(
        "INSERT OR IGNORE INTO recording_terms (recording_id, field, value) "
        "SELECT m.recording_id, t.field, t.value FROM segment_terms AS t "
        "JOIN segment_meta AS m ON m.rowid = t.segment_rowid"
    )
    conn.execute("DROP TABLE segment_terms")


def _shared_meta(doc: SegmentDocument) -> tuple[object, ...]:
    """The `segment_meta` values after `_INSERT_META`'s first six, which the segments of a
    recording share."""
    return (
        _text(doc.recording_id),
        _text(doc.story_id),
        _text(doc.transcript_id),
        doc.language,
        doc.story_title,
        str(doc.access),
        _text(doc.owner_id),
        _text(doc.collection_id),
        _text(doc.community_id),
        _protocols_text(doc.protocol_ids),
        doc.protocols_required,
        1 if doc.available else 0,
        doc.decade,
        doc.year,
        doc.track,
    )


@functools.lru_cache(maxsize=16_384)
def _text(value: uuid.UUID | None) -> str | None:
    """An id as stored (the ids a rebuild writes repeat for each segment of a story)."""
    return None if value is None else str(value)


@functools.lru_cache(maxsize=4096)
def _protocols_text(protocol_ids: tuple[uuid.UUID, ...]) -> str:
    return " ".join(str(p) for p in protocol_ids)
