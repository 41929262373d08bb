"""The scheduled fixity audit: one job runs a bounded slice of the audit and queues the rest,
so it never holds the fast lane for long; the audit's last slice queues the next audit."""

from __future__ import annotations

import uuid

from archive.domain.jobs import JobKind
from archive.fixity import flow
from archive.fixity.service import schedule_next
from archive.jobs import queue
from archive.jobs.context import JobContext

SLICE_SECONDS = 20.0


def audit_fixity(ctx: JobContext) -> None:
    payload = ctx.job.payload
    sample = float(str(payload.get("sample_percent", ctx.settings.fixity_sample_percent)))
    if "audit_id" in payload:
        audit_id = uuid.UUID(str(payload["audit_id"]))
    else:
        audit_id = flow.start_audit(
            ctx.sessions, ctx.store, trigger="schedule", sample_percent=sample
        )
    ended = flow.run_audit(ctx.sessions, ctx.store, audit_id=audit_id, budget_seconds=SLICE_SECONDS)
    with ctx.final_transaction() as session:
        if not ended:
            queue.enqueue(
                session,
                JobKind.FIXITY_AUDIT,
                payload={"audit_id": str(audit_id), "sample_percent": sample},
            )
            return
        schedule_next(
            session,
            interval_hours=ctx.settings.fixity_interval_hours,
            sample_percent=ctx.settings.fixity_sample_percent,
            asking_job=ctx.job.id,
        )
