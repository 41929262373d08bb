"""Marks a change for the search index: an index job per recording, queued with the change
(the safety net), and a mark the request's unit of work reads right after its commit to write
the index at once (`discovery.updates`, `deps.get_session`).

Here, below every feature, so that a service that hides something need not import the search
package, which reads the features to build its documents.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy.orm import Session

from archive.domain.jobs import JobKind
from archive.jobs import queue

_PENDING = "archive.search.reindex_after_commit"


def reindex_after_commit(session: Session, recording_ids: Iterable[uuid.UUID]) -> None:
    """Queues an index job per recording and marks it for the index right after the commit.
    A recording marked twice in one transaction is indexed once."""
    pending: set[uuid.UUID] = session.info.setdefault(_PENDING, set())
    for recording_id in recording_ids:
        queue.enqueue(session, JobKind.INDEX, payload={"recording_id": str(recording_id)})
        pending.add(recording_id)


def take_pending(session: Session) -> list[uuid.UUID]:
    """The recordings marked in the session's transaction, once; sorted."""
    pending: set[uuid.UUID] = session.info.pop(_PENDING, set())
    return sorted(pending)
