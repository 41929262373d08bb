"""Which handler runs which job kind."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from archive.domain.jobs import JobKind
from archive.ingest.context import JobContext
from archive.ingest.derivatives import (
    make_listening_copy,
    on_silence_failure,
    on_silence_release,
)
from archive.ingest.expiry import expire_upload
from archive.ingest.fixity import check_fixity
from archive.ingest.pipeline import index, on_recording_failure, on_recording_release, transcribe


@dataclass(frozen=True, slots=True)
class Handler:
    run: Callable[[JobContext], None]
    on_failure: Callable[[Session, dict[str, object], str, bool], None]
    """(session, payload, error, final): record the failure where a person will look."""
    on_release: Callable[[Session, dict[str, object]], None]
    """The job went back to the queue unfinished (its worker stopped)."""


def _nothing_to_record(*_args: object) -> None:
    """Fixity failures are recorded by the job itself; a retry needs no other trace."""


HANDLERS: dict[str, Handler] = {
    JobKind.TRANSCRIBE: Handler(transcribe, on_recording_failure, on_recording_release),
    JobKind.INDEX: Handler(index, on_recording_failure, on_recording_release),
    JobKind.FIXITY: Handler(check_fixity, _nothing_to_record, _nothing_to_record),
    JobKind.EXPIRE_UPLOAD: Handler(expire_upload, _nothing_to_record, _nothing_to_record),
    JobKind.SILENCE: Handler(make_listening_copy, on_silence_failure, on_silence_release),
}
