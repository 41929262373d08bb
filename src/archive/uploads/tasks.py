"""Removing resumable uploads that were left unfinished past their `Upload-Expires`.

Each upload has one job scheduled for its expiry. An upload that was active since finds its
expiry moved later; the job then schedules itself again for the new time. An upload that has
all its bytes never expires: a process stopped while finishing it, and the job finishes it.
"""

from __future__ import annotations

import logging
import uuid

from archive.backends import Backends
from archive.db.base import utcnow
from archive.db.session import transaction
from archive.domain.jobs import JobKind
from archive.errors import Gone
from archive.events.actor import SYSTEM
from archive.jobs import queue
from archive.jobs.context import JobContext
from archive.storage.spool import Spool
from archive.uploads import repository as uploads
from archive.uploads.completion import finish_upload
from archive.uploads.service import EXPIRY_GRACE

log = logging.getLogger(__name__)


def expire_upload(ctx: JobContext) -> None:
    upload_id = uuid.UUID(str(ctx.job.payload["upload_id"]))
    spool = Spool(ctx.spool_dir)
    with transaction(ctx.sessions) as session:
        upload = uploads.get_upload(session, upload_id)
        received_all = (
            upload is not None and upload.status == "open" and upload.offset == upload.length
        )
    if received_all:
        try:
            backends = Backends(ctx.sessions, ctx.store, spool, ctx.settings)
            finish_upload(backends, upload_id, max_attempts=None, owner=None, actor=SYSTEM)
        except Gone as exc:
            log.warning("upload.refused id=%s detail=%s", upload_id, exc.detail)
    with ctx.final_transaction() as session:
        upload = uploads.get_upload(session, upload_id)
        if upload is None or upload.status != "open" or upload.offset == upload.length:
            return
        if upload.expires_at > utcnow():
            queue.enqueue(
                session,
                JobKind.EXPIRE_UPLOAD,
                payload={"upload_id": str(upload_id)},
                run_after=upload.expires_at + EXPIRY_GRACE,
            )
            return
        upload.status = "expired"
        key, multipart_id = upload.object_key, upload.multipart_id
    ctx.store.abort_spooled(key, multipart_id)
    spool.remove(upload_id)
    log.info("upload.expired id=%s", upload_id)
