"""The index job: a recording's documents pushed to the search index, then the recording made
`ready` once it is transcribed.

It reads the documents in a short transaction, writes them to the index outside any
transaction, and commits the recording's state with the job's end. Indexing replaces a
recording's documents whole, so running it twice changes nothing.
"""

from __future__ import annotations

from archive.db.base import utcnow
from archive.db.session import transaction
from archive.discovery.indexing import documents_for_recording
from archive.domain.jobs import JobKind
from archive.jobs import queue
from archive.jobs.context import JobContext
from archive.recordings import repository as recordings
from archive.recordings.tasks import recording_id_of
from archive.transcripts import repository as transcripts


def index(ctx: JobContext) -> None:
    recording_id = recording_id_of(ctx.job.payload)
    with transaction(ctx.sessions) as session:
        documents = documents_for_recording(session, recording_id)
        transcribed = transcripts.next_version(session, recording_id) > 1
    if documents is None:
        ctx.index.remove_recording(recording_id)
        with ctx.final_transaction():
            return
    ctx.index.replace_recording(recording_id, documents)
    with ctx.final_transaction() as session:
        found = recordings.get_recording_with_story(session, recording_id)
        if found is None:
            return
        recording, story = found
        # In the fast lane an index job (a change of access, say) can run while the
        # recording still waits for transcription: only a transcribed recording is ready.
        if transcribed:
            if recording.status != "ready":
                recording.ready_at = utcnow()
            recording.status = "ready"
            recording.progress = 1.0
            recording.error = None
        embargo = story.consent.embargo_until if story.consent else None
        if embargo is not None and embargo > utcnow():
            # The words become findable when the embargo ends: index again then.
            queue.enqueue(
                session,
                JobKind.INDEX,
                payload={"recording_id": str(recording_id)},
                run_after=embargo,
            )
