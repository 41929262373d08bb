"""The transcribe and translate jobs: a recording's speech as a new machine transcript
version of its original track, or of its English translation track.

Each reads what it needs in a short transaction, decodes and transcribes outside any
transaction (`ingest.transcription`), and commits the transcript with the job's end
(`JobContext.final_transaction`), queueing the index job in the same transaction (and, for a
story that asks for it, the translation). It is idempotent: a job that runs again after its
result was committed finds its transcript by `job_id` and adds nothing. Only the original
track moves the recording's status; a translation that fails leaves the recording as it is.
"""

from __future__ import annotations

import logging
import uuid

from archive.db.base import utcnow
from archive.db.session import transaction
from archive.domain.jobs import JobKind
from archive.domain.languages import detected_languages
from archive.ingest.media import decode_for_whisper
from archive.ingest.transcriber import Task, TranscriptionInfo
from archive.ingest.transcription import KeptSegment, run_transcription
from archive.jobs import queue
from archive.jobs.context import JobContext
from archive.models import Segment, Transcript
from archive.recordings import repository as recordings
from archive.recordings.tasks import recording_id_of
from archive.transcripts import repository as transcripts

log = logging.getLogger(__name__)


def transcribe(ctx: JobContext) -> None:
    _run(ctx, task="transcribe")


def translate(ctx: JobContext) -> None:
    _run(ctx, task="translate")


def _run(ctx: JobContext, *, task: Task) -> None:
    recording_id = recording_id_of(ctx.job.payload)
    original = task == "transcribe"
    kind = transcripts.ORIGINAL if original else transcripts.TRANSLATION
    transcriber = ctx.transcriber()  # loaded before any transaction: it can take seconds
    with transaction(ctx.sessions) as session:
        found = recordings.get_recording_with_story(session, recording_id)
        withdrawn = found is not None and found[0].deaccessioned_at is not None
        if (
            found is None
            or withdrawn
            or transcripts.transcript_for_job(session, ctx.job.id) is not None
        ):
            log.info(
                "%s.skipped recording=%s job=%s reason=%s",
                task,
                recording_id,
                ctx.job.id,
                "deleted" if found is None else "deaccessioned" if withdrawn else "already done",
            )
            key = None
        else:
            recording, story = found
            key, duration = recording.object_key, recording.duration or 0.0
            languages = list(story.languages)
            wants_translation = story.translate
            if original:
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

    def report(progress: float) -> None:
        if original and ctx.progress_due():
            _report_progress(ctx, recording_id, progress=progress)

    info, kept = run_transcription(
        transcriber,
        audio,
        languages=languages,
        task=task,
        duration=duration,
        check_stop=ctx.check_stop,
        on_progress=report,
        flag_below=ctx.settings.confidence_flag_threshold,
    )
    with ctx.final_transaction() as session:
        if transcripts.transcript_for_job(session, ctx.job.id) is not None:
            return
        current = recordings.get_recording(session, recording_id)
        if current is None:
            return
        transcript = Transcript(
            recording_id=recording_id,
            kind=kind,
            version=transcripts.next_version(session, recording_id, kind=kind),
            source="machine",
            model=info.model or transcriber.model_name,
            language="en" if not original else info.language,
            language_probability=1.0 if not original else info.language_probability,
            job_id=ctx.job.id,
        )
        transcript.segments = [
            _segment_row(position, kept_one) for position, kept_one in enumerate(kept)
        ]
        transcripts.add_transcript(session, transcript)
        if original:
            current.transcription_model = info.model or transcriber.model_name
            current.transcription_language = info.language
            current.detected_languages = _detected(info, kept)
            current.transcription_finished_at = utcnow()
            current.progress = 1.0
            if wants_translation:
                payload = {"recording_id": str(recording_id)}
                queue.enqueue(session, JobKind.TRANSLATE, payload=payload)
        queue.enqueue(session, JobKind.INDEX, payload={"recording_id": str(recording_id)})
    log.info(
        "%s.done recording=%s segments=%d language=%s model=%s",
        task,
        recording_id,
        len(kept),
        info.language,
        info.model,
    )


def _detected(info: TranscriptionInfo, kept: list[KeptSegment]) -> list[dict[str, object]]:
    """The recording's languages with the detection's probability, the most spoken first;
    none when nothing was heard."""
    speech: dict[str, float] = {}
    for one in kept:
        language = one.segment.language or info.language
        speech[language] = speech.get(language, 0.0) + one.segment.end - one.segment.start
    found = [(language, p) for language, p in info.detections if language in speech]
    found.extend((language, 0.0) for language in speech if language not in dict(found))
    return [
        {"language": d.language, "probability": d.probability}
        for d in detected_languages(found, speech=speech)
    ]


def _segment_row(position: int, kept: KeptSegment) -> Segment:
    segment = kept.segment
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
        flagged=kept.flagged,
        language=segment.language,
    )


def _report_progress(ctx: JobContext, recording_id: uuid.UUID, *, progress: float) -> None:
    with transaction(ctx.sessions) as session:
        if not queue.set_progress(session, ctx.job.id, worker=ctx.worker, progress=progress):
            raise queue.LeaseLost(f"job {ctx.job.id} was taken over")
        recording = recordings.get_recording(session, recording_id)
        if recording is not None:
            recording.progress = round(progress, 3)
