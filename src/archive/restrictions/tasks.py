"""The `silence` job: a recording's listening copy, with every restricted span silent.

Those who may not hear restricted spans are given this copy instead of the original, which is
only ever read. The job reads the spans as they are when it starts, decodes the original with
PyAV into a spool file, stores that under a key of its own (write-once, like an original) with
its SHA-256, and in its final transaction makes it the recording's copy only if the spans are
still the same; a change meanwhile has queued another job, which makes the right one, and this
copy is deleted. A recording left with no spans needs no copy: its copy is removed, and
everyone hears the original. A copy that already silences exactly the current spans is kept.

An attempt that dies between storing its copy and committing leaves that object behind
(nothing refers to it); every other path deletes what it does not keep.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import uuid
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy.orm import Session

from archive.db.session import transaction
from archive.domain.restrictions import (
    Span,
    listening_codec,
    listening_copy_key,
    merge_spans,
    spans_fingerprint,
)
from archive.events.actor import SYSTEM
from archive.events.repository import record
from archive.ingest.media import write_silenced
from archive.jobs.context import JobContext
from archive.models import ListeningCopy
from archive.recordings import repository as recordings
from archive.recordings.tasks import recording_id_of
from archive.restrictions import repository as restrictions
from archive.storage.base import ObjectStore

log = logging.getLogger(__name__)

_COPY_CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class _Plan:
    story_id: uuid.UUID
    original_key: str
    duration: float | None
    spans: tuple[Span, ...]
    fingerprint: str
    up_to_date: bool
    """The recording's copy already silences exactly these spans."""


def make_listening_copy(ctx: JobContext) -> None:
    recording_id = recording_id_of(ctx.job.payload)
    with transaction(ctx.sessions) as session:
        plan = _plan(session, recording_id)
    if plan is None:
        _remove_copy(ctx, recording_id)
        return
    if plan.up_to_date:
        with ctx.final_transaction():
            return
    copy_id = uuid.uuid4()
    codec = listening_codec(plan.duration)
    key = listening_copy_key(plan.story_id, recording_id, copy_id=copy_id, codec=codec)
    try:
        copy = _make_and_store(ctx, plan, copy_id=copy_id, key=key)
        replaced, kept = _commit(ctx, copy, plan=plan)
    except BaseException:
        ctx.store.delete(key)
        raise
    if not kept:
        ctx.store.delete(key)
        log.info("silence.superseded recording=%s job=%s", recording_id, ctx.job.id)
        return
    if replaced is not None:
        ctx.store.delete(replaced)
    log.info(
        "silence.done recording=%s spans=%d size=%d sha256=%s",
        recording_id,
        len(plan.spans),
        copy.size,
        copy.sha256,
    )


def _plan(session: Session, recording_id: uuid.UUID) -> _Plan | None:
    """What to make, or None when no copy is needed (no recording, or no spans)."""
    recording = recordings.get_recording(session, recording_id)
    if recording is None:
        return None
    spans = merge_spans(recordings.spans_for_recording(session, recording_id))
    if not spans:
        return None
    fingerprint = spans_fingerprint(spans)
    current = recordings.get_listening_copy(session, recording_id)
    return _Plan(
        story_id=recording.story_id,
        original_key=recording.object_key,
        duration=recording.duration,
        spans=spans,
        fingerprint=fingerprint,
        up_to_date=current is not None and current.spans_fingerprint == fingerprint,
    )


def _remove_copy(ctx: JobContext, recording_id: uuid.UUID) -> None:
    with ctx.final_transaction() as session:
        if recordings.spans_for_recording(session, recording_id):
            return  # restricted again meanwhile: that change queued the job that makes it
        removed = restrictions.remove_listening_copy(session, recording_id)
    if removed is not None:
        ctx.store.delete(removed)
        log.info("silence.removed recording=%s key=%s", recording_id, removed)


def _make_and_store(ctx: JobContext, plan: _Plan, *, copy_id: uuid.UUID, key: str) -> ListeningCopy:
    """Makes the copy and stores it under `key`; returns its row, not yet added."""
    ctx.spool_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=ctx.spool_dir, prefix="silence-") as spool:
        with ctx.store.open(plan.original_key) as source:
            content_type = write_silenced(
                source,
                plan.spans,
                target=spool,
                codec=listening_codec(plan.duration),
                check=ctx.check_stop,
            )
        spool.seek(0)
        size, sha256 = _store(ctx.store, key, source=spool)
    return ListeningCopy(
        id=copy_id,
        recording_id=recording_id_of(ctx.job.payload),
        spans_fingerprint=plan.fingerprint,
        spans=[[span.start, span.end] for span in plan.spans],
        object_key=key,
        content_type=content_type,
        size=size,
        sha256=sha256,
        job_id=ctx.job.id,
    )


def _store(store: ObjectStore, key: str, *, source: BinaryIO) -> tuple[int, str]:
    """Copies `source` to a new object; returns its size and SHA-256 (hex)."""
    digest = hashlib.sha256()
    size = 0
    writer = store.writer(key)
    try:
        while chunk := source.read(_COPY_CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
            writer.write(chunk)
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    return size, digest.hexdigest()


def _commit(ctx: JobContext, copy: ListeningCopy, *, plan: _Plan) -> tuple[str | None, bool]:
    """Makes `copy` the recording's, with the job's end, if the spans are still those it
    silences. Returns (the object key of the copy it replaced, whether it was kept)."""
    recording_id = copy.recording_id
    with ctx.final_transaction() as session:
        spans = recordings.spans_for_recording(session, recording_id)
        recording = recordings.get_recording(session, recording_id)
        if recording is None or spans_fingerprint(spans) != plan.fingerprint:
            return None, False
        replaced = restrictions.put_listening_copy(session, copy)
        record(
            session,
            SYSTEM,
            action="recording.listening_copy_made",
            subject=recording,
            details={
                "object_key": copy.object_key,
                "sha256": copy.sha256,
                "size": copy.size,
                "spans": copy.spans,
                "job_id": str(ctx.job.id),
            },
        )
    return replaced, True


def on_silence_failure(
    session: Session, payload: dict[str, object], *, error: str, final: bool
) -> None:
    """A copy that cannot be made keeps listeners without the right waiting: the audit log
    says so, where an archivist looks (a recording no longer there has no listeners)."""
    recording = recordings.get_recording(session, recording_id_of(payload)) if final else None
    if recording is None:
        return
    record(
        session,
        SYSTEM,
        action="recording.listening_copy_failed",
        subject=recording,
        outcome="failure",
        details={"error": error},
    )


def on_silence_release(_session: Session, _payload: dict[str, object]) -> None:
    """Nothing to undo: no copy is recorded before the job's final transaction."""
