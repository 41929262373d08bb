"""Fixity: reading an original back and checking it still has the SHA-256 it arrived with.

The outcome is a preservation event on the recording, committed with the job's end, so a
check that runs twice (a worker died after reading) still leaves one event per job.
"""

from __future__ import annotations

import logging

from archive.db.session import transaction
from archive.events.repository import add_event
from archive.ingest.context import JobContext
from archive.ingest.pipeline import recording_id_of
from archive.recordings import repository as recordings

log = logging.getLogger(__name__)


def check_fixity(ctx: JobContext) -> None:
    recording_id = recording_id_of(ctx.job.payload)
    with transaction(ctx.sessions) as session:
        recording = recordings.get_recording(session, recording_id)
        key, expected = (
            (None, "") if recording is None else (recording.object_key, recording.sha256)
        )
    intact = key is not None and ctx.store.verify_sha256(key, expected)
    with ctx.final_transaction() as session:
        if key is None:
            return
        add_event(
            session,
            actor_id=None,
            action="recording.fixity_checked",
            subject_type="recording",
            subject_id=recording_id,
            outcome="success" if intact else "failure",
            details={"sha256": expected, "job_id": str(ctx.job.id)},
        )
    if not intact:
        log.error("fixity.mismatch recording=%s key=%s", recording_id, key)
