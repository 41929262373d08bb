"""Marking stretches of a recording restricted, and lifting them. Never commits.

Each change is written with its audit event and two jobs in the caller's one transaction: an
`index` job, which takes the segments under the spans out of search (or puts them back) and is
the safety net of the index update made right after the commit (`discovery.updates`), and a
`silence` job, which makes the listening copy those without the right are given. Until that
copy is made for the spans as they now are, such listeners are told the audio is being
prepared (`recordings.service.audio_to_serve`); transcripts follow at once, being masked as
they are read.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.orm import Session

from archive.domain.access import Viewer
from archive.domain.jobs import JobKind
from archive.domain.restrictions import span_problem
from archive.errors import NotFound, Unprocessable
from archive.events.actor import Actor
from archive.events.repository import record
from archive.jobs import queue
from archive.jobs.reindex import reindex_after_commit
from archive.models import Recording, Restriction
from archive.recordings.service import get_curated_recording
from archive.restrictions import repository
from archive.restrictions.schemas import RestrictionCreate

log = logging.getLogger(__name__)


def _recording_for_curator(
    session: Session, viewer: Viewer, *, recording_id: uuid.UUID
) -> Recording:
    """404 for a recording the caller cannot see; 403 for one they see but may not restrict."""
    return get_curated_recording(
        session,
        viewer,
        recording_id=recording_id,
        doing="see and change what is restricted in a recording",
    )


def _follow_up(session: Session, recording_id: uuid.UUID) -> None:
    reindex_after_commit(session, [recording_id])
    queue.enqueue(session, JobKind.SILENCE, payload={"recording_id": str(recording_id)})


def list_restrictions(
    session: Session, viewer: Viewer, *, recording_id: uuid.UUID
) -> list[Restriction]:
    _recording_for_curator(session, viewer, recording_id=recording_id)
    return repository.list_restrictions(session, recording_id)


def add_restriction(
    session: Session,
    viewer: Viewer,
    *,
    recording_id: uuid.UUID,
    data: RestrictionCreate,
    actor: Actor,
) -> Restriction:
    recording = _recording_for_curator(session, viewer, recording_id=recording_id)
    problem = span_problem(data.start, data.end, duration=recording.duration)
    if problem is not None:
        raise Unprocessable(problem)
    restriction = repository.add_restriction(
        session,
        Restriction(
            recording_id=recording_id,
            start=data.start,
            end=data.end,
            reason=data.reason,
            created_by=viewer.user_id,
        ),
    )
    _follow_up(session, recording_id)
    record(
        session,
        actor,
        action="recording.restriction_added",
        subject=recording,
        details={
            "restriction_id": str(restriction.id),
            "start": data.start,
            "end": data.end,
            "reason": data.reason,
        },
    )
    log.info(
        "restriction.added recording=%s restriction=%s start=%.3f end=%.3f",
        recording_id,
        restriction.id,
        data.start,
        data.end,
    )
    return restriction


def remove_restriction(
    session: Session,
    viewer: Viewer,
    *,
    recording_id: uuid.UUID,
    restriction_id: uuid.UUID,
    actor: Actor,
) -> None:
    recording = _recording_for_curator(session, viewer, recording_id=recording_id)
    restriction = repository.get_restriction(session, recording_id, restriction_id=restriction_id)
    if restriction is None:
        raise NotFound(
            f"Recording {recording_id} has no restriction {restriction_id}. See "
            f"/api/v1/recordings/{recording_id}/restrictions for the ones it has."
        )
    details = {
        "restriction_id": str(restriction.id),
        "start": restriction.start,
        "end": restriction.end,
        "reason": restriction.reason,
        "created_by": str(restriction.created_by) if restriction.created_by else None,
    }
    repository.delete_restriction(session, restriction)
    _follow_up(session, recording_id)
    record(
        session, actor, action="recording.restriction_removed", subject=recording, details=details
    )
    log.info("restriction.removed recording=%s restriction=%s", recording_id, restriction_id)
