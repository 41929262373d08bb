"""A recording's own jobs: fixity, and what a failed or released job of its way to `ready`
(transcribe, index) leaves on it.

Fixity reads an original back and checks it still has the SHA-256 it arrived with. The outcome
is a preservation event on the recording, committed with the job's end, so a check that runs
twice (a worker died after reading) still leaves one event per job.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.orm import Session

from archive.db.session import transaction
from archive.events.actor import SYSTEM
from archive.events.repository import record
from archive.jobs.context import JobContext
from archive.recordings import repository as recordings

log = logging.getLogger(__name__)


def recording_id_of(payload: dict[str, object]) -> uuid.UUID:
    return uuid.UUID(str(payload["recording_id"]))


def check_fixity(ctx: JobContext) -> None:
    recording_id = recording_id_of(ctx.job.payload)
    with transaction(ctx.sessions) as session:
        recording = recordings.get_recording(session, recording_id)
        key, expected = (
            (None, "") if recording is None else (recording.object_key, recording.sha256)
        )
    intact = key is not None and ctx.store.verify_sha256(key, expected)
    with ctx.final_transaction() as session:
        recording = None if key is None else recordings.get_recording(session, recording_id)
        if recording is None:
            return
        record(
            session,
            SYSTEM,
            action="recording.fixity_checked",
            subject=recording,
            outcome="success" if intact else "failure",
            details={"sha256": expected, "job_id": str(ctx.job.id)},
        )
    if not intact:
        log.error("fixity.mismatch recording=%s key=%s", recording_id, key)


def on_recording_failure(
    session: Session, payload: dict[str, object], *, error: str, final: bool
) -> None:
    recording = recordings.get_recording(session, recording_id_of(payload))
    if recording is None:
        return
    if final:
        recording.status = "failed"
        recording.error = error
    else:
        recording.status = "queued"
        recording.error = f"{error} It will be tried again shortly."


def on_recording_release(session: Session, payload: dict[str, object]) -> None:
    recording = recordings.get_recording(session, recording_id_of(payload))
    if recording is not None and recording.status != "ready":
        recording.status = "queued"
