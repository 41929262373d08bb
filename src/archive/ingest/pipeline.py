"""The two job handlers of a recording's way to `ready`: transcribe, then index.

Each reads what it needs in a short transaction, does the slow work outside any transaction,
and commits its result with the job's end (`JobContext.final_transaction`). Both are
idempotent: a transcribe job that runs again after its result was committed finds its
transcript by `job_id` and adds nothing; indexing replaces a recording's documents whole.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.orm import Session

from archive.db.base import utcnow
from archive.db.session import transaction
from archive.domain.jobs import JobKind
from archive.domain.transcription import judge_segment
from archive.ingest import queue
from archive.ingest.context import JobContext
from archive.ingest.media import decode_for_whisper
from archive.ingest.transcriber import TranscribedSegment
from archive.models import Recording, Segment, Transcript
from archive.recordings import repository as recordings
from archive.search.indexing import documents_for_recording
from archive.transcripts import repository as transcripts

log = logging.getLogger(__name__)


def recording_id_of(payload: dict[str, object]) -> uuid.UUID:
    return uuid.UUID(str(payload["recording_id"]))


def transcribe(ctx: JobContext) -> None:
    recording_id = recording_id_of(ctx.job.payload)
    transcriber = ctx.transcriber()  # loaded before any transaction: it can take seconds
    with transaction(ctx.sessions) as session:
        found = recordings.get_recording_with_story(session, recording_id)
        if found is None or transcripts.transcript_for_job(session, ctx.job.id) is not None:
            log.info(
                "transcribe.skipped recording=%s job=%s reason=%s",
                recording_id,
                ctx.job.id,
                "deleted" if found is None else "already done",
            )
            key = None
        else:
            recording, story = found
            key, duration = recording.object_key, recording.duration or 0.0
            language = _language_hint(story.languages)
            recording.status = "transcribing"
            recording.progress = 0.0
            recording.error = None
            recording.transcription_started_at = utcnow()
            recording.transcription_model = transcriber.model_name
            recording.transcription_finished_at = None
    if key is None:
        with ctx.final_transaction():
            return
    with ctx.store.open(key) as source:
        audio = decode_for_whisper(source)
    info, produced = transcriber.transcribe(audio, language)
    total = duration or info.duration or 1.0
    kept: list[tuple[TranscribedSegment, bool]] = []
    previous: str | None = None
    for segment in produced:
        ctx.check_stop()
        verdict = judge_segment(
            segment.text,
            avg_logprob=segment.avg_logprob,
            compression_ratio=segment.compression_ratio,
            no_speech_prob=segment.no_speech_prob,
            previous_text=previous,
        )
        if verdict.keep:
            kept.append((segment, verdict.flagged))
            previous = segment.text
        if ctx.progress_due():
            _report_progress(ctx, recording_id, min(0.99, segment.end / total))
    with ctx.final_transaction() as session:
        if transcripts.transcript_for_job(session, ctx.job.id) is not None:
            return
        current = recordings.get_recording(session, recording_id)
        if current is None:
            return
        transcript = Transcript(
            recording_id=recording_id,
            version=transcripts.next_version(session, recording_id),
            source="machine",
            model=transcriber.model_name,
            language=info.language,
            language_probability=info.language_probability,
            job_id=ctx.job.id,
        )
        transcript.segments = [
            _segment_row(position, segment, flagged)
            for position, (segment, flagged) in enumerate(kept)
        ]
        transcripts.add_transcript(session, transcript)
        current.transcription_model = transcriber.model_name
        current.transcription_language = info.language
        current.transcription_finished_at = utcnow()
        current.progress = 1.0
        queue.enqueue(session, JobKind.INDEX, {"recording_id": str(recording_id)})
    log.info(
        "transcribe.done recording=%s segments=%d language=%s",
        recording_id,
        len(kept),
        info.language,
    )


def _language_hint(languages: list[str]) -> str | None:
    """The story's language when it names exactly one, as a Whisper code; else detect."""
    if len(languages) == 1 and len(languages[0]) == 2 and languages[0].isalpha():
        return languages[0].lower()
    return None


def _segment_row(position: int, segment: TranscribedSegment, flagged: bool) -> Segment:
    return Segment(
        position=position,
        start=round(segment.start, 3),
        end=round(segment.end, 3),
        text=segment.text.strip(),
        words=[
            {
                "word": w.word.strip(),
                "start": round(w.start, 3),
                "end": round(w.end, 3),
                "probability": round(w.probability, 4),
            }
            for w in segment.words
        ],
        avg_logprob=segment.avg_logprob,
        compression_ratio=segment.compression_ratio,
        no_speech_prob=segment.no_speech_prob,
        flagged=flagged,
    )


def _report_progress(ctx: JobContext, recording_id: uuid.UUID, progress: float) -> None:
    with transaction(ctx.sessions) as session:
        if not queue.set_progress(session, ctx.job.id, ctx.worker, progress):
            raise queue.LeaseLost(f"job {ctx.job.id} was taken over")
        recording = recordings.get_recording(session, recording_id)
        if recording is not None:
            recording.progress = round(progress, 3)


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
                session, JobKind.INDEX, {"recording_id": str(recording_id)}, run_after=embargo
            )


def on_recording_failure(
    session: Session, payload: dict[str, object], error: str, final: bool
) -> None:
    recording = session.get(Recording, recording_id_of(payload))
    if recording is None:
        return
    if final:
        recording.status = "failed"
        recording.error = error
    else:
        recording.status = "queued"
        recording.error = f"{error} It will be tried again shortly."


def on_recording_release(session: Session, payload: dict[str, object]) -> None:
    recording = session.get(Recording, recording_id_of(payload))
    if recording is not None and recording.status != "ready":
        recording.status = "queued"
