"""The backends a streaming flow needs, as one value; and the one pattern such flows follow.

A flow that moves bytes (a one-request upload, a resumable upload's chunks and its spooled
parts, its completion, a consent document) never holds a transaction while bytes move:

1. a short transaction checks and records what the flow is about to do;
2. the I/O runs outside any transaction (the request body, the spool, the object store);
3. a short transaction records what the I/O did.

What lies between two steps is recoverable: the state committed in step 1 says what to redo
or remove (a resumable upload's offset, parts and lock; a one-request upload's key, removed
when step 3 fails). The flows are `recordings.flow`, `uploads.flow`, `uploads.completion` and
`consent.flow`; each opens its transactions with `transaction(backends.sessions)` and runs
the services (which take a `Session` and never commit) inside them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from archive.settings import Settings
from archive.storage.base import ObjectStore
from archive.storage.spool import Spool


@dataclass(frozen=True, slots=True)
class Backends:
    """Built once where the process starts (the app's lifespan, the worker), handed on as is."""

    sessions: sessionmaker[Session]
    store: ObjectStore
    spool: Spool
    """The local spool of resumable uploads."""
    settings: Settings
