"""Asking for a recording's English translation track. Never commits.

The translation is made by a `translate` job in the transcription lane (`transcripts.tasks`):
Whisper's translate task over the recording, stored as a transcript of kind `translation`
with versions of its own, indexed beside the original (search hits say `track`), and shown
to exactly those who may read the original, with the original's restrictions applied by time
(`transcripts.service`).
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from archive.domain.access import Viewer
from archive.domain.jobs import JobKind
from archive.events.actor import Actor
from archive.events.repository import record
from archive.jobs import queue
from archive.models import Job
from archive.recordings.service import get_curated_recording, require_held


def request_translation(
    session: Session, viewer: Viewer, *, recording_id: uuid.UUID, actor: Actor
) -> Job:
    """Queues the translation job (each request makes a new version when it runs). 404 for a
    recording the caller may not hear, 403 for one they may not curate, 410 for one whose
    original was deaccessioned."""
    recording = get_curated_recording(
        session, viewer, recording_id=recording_id, doing="ask for a translation"
    )
    require_held(recording)
    job = queue.enqueue(session, JobKind.TRANSLATE, payload={"recording_id": str(recording_id)})
    record(session, actor, action="transcript.translation_requested", subject=recording)
    return job
