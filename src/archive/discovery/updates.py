"""Changes to what may be seen reach the search index before the request that made them returns.

A service whose change alters what the index should hold for some recordings (access, consent,
a withdrawal, a restriction, a transcript edit) calls `jobs.reindex.reindex_after_commit`
inside its transaction. That queues an index job per recording, committed with the change
(the safety net), and marks the recordings on the session. The request's unit of work
(`deps.get_session`) commits, then hands the marked recordings to `update_now`, which writes
them to the index at once: never inside the transaction, and before the response is sent.
When that fails it is logged and the queued job mends the index; it runs in the fast lane,
which never waits behind transcription. Other units of work (jobs, commands) leave the marks
unread: the job does it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Collection

from archive.db.session import UnitOfWork
from archive.discovery.indexing import documents_for_recordings
from archive.search.base import SearchIndex

log = logging.getLogger(__name__)


def update_now(
    units: UnitOfWork, index: SearchIndex, *, recording_ids: Collection[uuid.UUID]
) -> None:
    """Brings the index's documents of these recordings up to date with the database, reading
    them in a unit of work of `units`. Never raises: a failure is logged, and the index
    job queued with the change mends it."""
    if not recording_ids:
        return
    try:
        with units() as session:
            found = documents_for_recordings(session, recording_ids)
    except Exception:
        log.warning(
            "search.update_now_failed recordings=%d; the queued index jobs will mend it",
            len(recording_ids),
            exc_info=True,
        )
        return
    for recording_id in recording_ids:
        documents = found.get(recording_id)
        try:
            if documents is None:
                index.remove_recording(recording_id)
            else:
                index.replace_recording(recording_id, documents)
        except Exception:
            log.warning(
                "search.update_now_failed recording=%s; the queued index job will mend it",
                recording_id,
                exc_info=True,
            )
