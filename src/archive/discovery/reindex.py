"""Keeping the search index equal to the database: `archive reindex` and its `--check` and
`--repair`.

The database decides what the index should hold (`indexing.py`); each stored document carries
the fingerprint of the `SegmentDocument` it was made from. Comparing the two sets of
fingerprints finds every kind of drift: documents the index lacks (an index job that never
ran), documents that changed since (a corrected transcript, a story whose access or collection
changed) and documents the database no longer has (a deleted recording, a restricted segment).

Everything here is idempotent and converges: after an interrupted repair or rebuild, running
it again finishes the work. The database is read in short transactions (`database_documents`),
never one long one, so the API and the workers go on writing while the index is checked;
the caller (`archive reindex`) gives the units of work (`db.session.UnitOfWork`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from archive.db.session import UnitOfWork
from archive.discovery.indexing import (
    RECORDINGS_PER_TRANSACTION,
    database_documents,
    documents_for_recordings,
)
from archive.search.base import SearchIndex
from archive.search.documents import SegmentDocument, fingerprints

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Drift:
    """How the index differs from the database, by segment id."""

    missing: frozenset[uuid.UUID]
    """In the database, not in the index."""
    stale: frozenset[uuid.UUID]
    """In both, but the stored document is not the database's."""
    orphaned: frozenset[uuid.UUID]
    """In the index, not in the database (or restricted there)."""
    recordings: frozenset[uuid.UUID]
    """The recordings whose missing or stale documents a repair writes again."""
    expected: int
    """Documents the database says the index should hold."""

    @property
    def clean(self) -> bool:
        return not (self.missing or self.stale or self.orphaned)

    def summary(self) -> str:
        if self.clean:
            return f"the search index matches the database ({self.expected} documents)"
        return (
            f"the search index differs from the database ({self.expected} documents): "
            f"{len(self.missing)} missing, {len(self.stale)} stale and {len(self.orphaned)} "
            f"orphaned documents; {len(self.recordings)} recordings to index again"
        )


@dataclass(frozen=True, slots=True)
class Rebuilt:
    documents: int
    """Documents written into the new index."""
    caught_up: Drift
    """What changed while it was built, found and repaired after the switch."""


def check(units: UnitOfWork, index: SearchIndex) -> Drift:
    """Compare the index with the database. Reads the index first: it only ever follows the
    database, so a document cannot look orphaned because the database moved on between the
    two reads (it can look missing or stale, which a repair makes right either way)."""
    stored = index.document_fingerprints()
    expected: dict[uuid.UUID, tuple[uuid.UUID, str]] = {}
    for recording_id, documents in database_documents(units):
        for doc, fingerprint in zip(documents, fingerprints(documents), strict=True):
            expected[doc.segment_id] = (recording_id, fingerprint)
    missing = expected.keys() - stored.keys()
    stale = {
        segment_id
        for segment_id, (_, fingerprint) in expected.items()
        if segment_id in stored and stored[segment_id] != fingerprint
    }
    orphaned = stored.keys() - expected.keys()
    drift = Drift(
        missing=frozenset(missing),
        stale=frozenset(stale),
        orphaned=frozenset(orphaned),
        recordings=frozenset(expected[segment_id][0] for segment_id in missing | stale),
        expected=len(expected),
    )
    log.info(
        "search.checked expected=%d missing=%d stale=%d orphaned=%d",
        drift.expected,
        len(drift.missing),
        len(drift.stale),
        len(drift.orphaned),
    )
    return drift


def repair(units: UnitOfWork, index: SearchIndex, *, drift: Drift) -> None:
    """Write again exactly the recordings in `drift` (from the database as it is now), and
    remove its orphaned documents. Idempotent: an interrupted repair is finished by another
    check and repair."""
    ordered = sorted(drift.recordings)
    for start in range(0, len(ordered), RECORDINGS_PER_TRANSACTION):
        batch = ordered[start : start + RECORDINGS_PER_TRANSACTION]
        with units() as session:
            found = documents_for_recordings(session, batch)
        for recording_id in batch:
            if recording_id in found:
                index.replace_recording(recording_id, found[recording_id])
            else:
                index.remove_recording(recording_id)
    if drift.orphaned:
        index.remove_documents(drift.orphaned)
    log.info(
        "search.repaired recordings=%d orphaned=%d", len(drift.recordings), len(drift.orphaned)
    )


def rebuild(units: UnitOfWork, index: SearchIndex) -> Rebuilt:
    """Build the whole index again from the database and switch to it atomically; searches
    answer from the old index until then. Then check, and repair what index jobs wrote to the
    old index while the new one was built (the switch drops it).

    The check reads the whole database a second time, after the switch, on purpose: it is the
    only read that sees every change made while the new index was built. Remembering the
    fingerprints of the first pass does not tell which recordings changed since, and nothing
    cheaper in the database does either: a segment can be edited in place, and an embargo
    ends without any write. The second pass costs what the first one's reading does (a
    quarter of a rebuild: plain rows, `repository.latest_transcripts`)."""
    total = 0

    def documents() -> Iterator[SegmentDocument]:
        nonlocal total
        for _, docs in database_documents(units):
            total += len(docs)
            yield from docs

    index.rebuild(documents())
    log.info("search.rebuilt documents=%d", total)
    caught_up = check(units, index)
    if not caught_up.clean:
        repair(units, index, drift=caught_up)
    return Rebuilt(documents=total, caught_up=caught_up)
