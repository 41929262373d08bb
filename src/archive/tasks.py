"""Every feature's job handlers, composed where a worker starts (as Polar's `tasks.py` does).

Each feature keeps its handlers in its own `tasks.py` beside its service; `archive.jobs` runs
whatever it is given and imports none of them.
"""

from __future__ import annotations

from archive.discovery.tasks import index
from archive.domain.jobs import JobKind
from archive.fixity.tasks import audit_fixity
from archive.jobs.registry import Handler, Handlers, nothing_to_record
from archive.recordings.tasks import check_fixity, on_recording_failure, on_recording_release
from archive.restrictions.tasks import (
    make_listening_copy,
    on_silence_failure,
    on_silence_release,
)
from archive.transcripts.tasks import transcribe, translate
from archive.uploads.tasks import expire_upload


def job_handlers() -> Handlers:
    """The handler of every job kind the archive queues."""
    return {
        JobKind.TRANSCRIBE: Handler(transcribe, on_recording_failure, on_recording_release),
        JobKind.INDEX: Handler(index, on_recording_failure, on_recording_release),
        JobKind.FIXITY: Handler(check_fixity, nothing_to_record, nothing_to_record),
        JobKind.FIXITY_AUDIT: Handler(audit_fixity, nothing_to_record, nothing_to_record),
        JobKind.EXPIRE_UPLOAD: Handler(expire_upload, nothing_to_record, nothing_to_record),
        JobKind.SILENCE: Handler(make_listening_copy, on_silence_failure, on_silence_release),
        # A translation that fails leaves the recording and its transcript as they are.
        JobKind.TRANSLATE: Handler(translate, nothing_to_record, nothing_to_record),
    }
