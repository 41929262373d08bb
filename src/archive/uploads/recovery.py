"""What `archive serve` puts right as it starts, before it answers anyone: the leftovers of
one-request uploads cut off by a crash, and resumable uploads that have all their bytes but
whose process stopped before they became recordings."""

from __future__ import annotations

import logging

from archive.backends import Backends
from archive.db.session import create_db_engine, create_session_factory
from archive.settings import Settings
from archive.storage.factory import open_object_store
from archive.storage.spool import Spool
from archive.uploads.completion import finish_received_uploads

log = logging.getLogger(__name__)


def recover_at_start(settings: Settings) -> None:
    """Only for the process that owns the data directory, before any request is served."""
    store = open_object_store(settings)
    swept = store.discard_unfinished_writes()
    log.info("store.unfinished_writes_swept count=%d", swept)
    engine = create_db_engine(settings)
    try:
        backends = Backends(
            sessions=create_session_factory(engine),
            store=store,
            spool=Spool(settings.spool_dir),
            settings=settings,
        )
        finished = finish_received_uploads(backends)
    finally:
        engine.dispose()
    log.info("uploads.finished_at_start count=%d", finished)
