"""Engines and sessions.

SQLite runs in WAL mode with a busy timeout, and every transaction that may write starts with
`BEGIN IMMEDIATE`: a deferred transaction that later upgrades to a write fails at once with
"database is locked", ignoring the busy timeout, which is the classic way two writers lose work
on SQLite. Only one such transaction runs at a time, so a request that only reads (a search,
the caller's token) takes a session of `create_read_session_factory` instead: a plain `BEGIN`
reads a snapshot beside the writer and never queues for its lock. `read_mostly` runs work that
reads and seldom writes (marking a token used) that way, and again as a writer when it had to
write and could not.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from archive.settings import Settings

SQLITE_BUSY_TIMEOUT_MS = 30_000
READ_ONLY = "archive_read_only"
"""The execution option of a read session's engine: its transactions begin deferred."""

T = TypeVar("T")


class WriteInReadSession(RuntimeError):
    """A session of `create_read_session_factory` was asked to write (flush) something."""


def create_db_engine(settings: Settings) -> Engine:
    url = settings.database_url
    if url.startswith("postgresql:"):
        url = "postgresql+psycopg:" + url.removeprefix("postgresql:")
    if url.startswith("sqlite:"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            # One connection per server thread, plus the lifespan's and the job loop's.
            pool_size=settings.http_threads + 4,
            max_overflow=8,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(
        url, pool_size=settings.http_threads // 2 + 4, max_overflow=16, pool_pre_ping=True
    )


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy's "begin" event below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


CONNECTED = "archive_connected"
"""`Session.info` key: the session's transaction has taken a connection (`touched`)."""


def create_session_factory(engine: Engine) -> sessionmaker[Session]:
    factory = sessionmaker(engine, expire_on_commit=False)
    event.listen(factory, "after_begin", _mark_connected)
    return factory


def _mark_connected(session: Session, *_event: object) -> None:
    session.info[CONNECTED] = True


def create_read_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for reading: on SQLite their transactions take no write lock (a snapshot
    read beside the one writer); on PostgreSQL they are ordinary. A flush raises
    `WriteInReadSession`: what writes belongs in a session of `create_session_factory`."""
    factory = sessionmaker(engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)
    event.listen(factory, "before_flush", _refuse_flush)
    event.listen(factory, "after_begin", _mark_connected)
    return factory


def _refuse_flush(session: Session, *_event: object) -> None:
    if session.new or session.dirty or session.deleted:
        raise WriteInReadSession(
            "this session only reads; write in the request's own session (SessionDep)"
        )


def read_mostly(
    reads: sessionmaker[Session], work: Callable[[Session], T], *, writes: sessionmaker[Session]
) -> T:
    """`work` in one transaction of `reads`; again, from the start, in one of `writes` when it
    flushed something, or when SQLite refused its write because another writer came first.
    `work` must be safe to run twice (the first run's writes are rolled back)."""
    try:
        with transaction(reads) as session:
            return work(session)
    except WriteInReadSession:
        pass
    except OperationalError as failed:
        if not _is_lock_refusal(failed):
            raise
    with transaction(writes) as session:
        return work(session)


def _is_lock_refusal(failed: OperationalError) -> bool:
    """SQLite's "database is locked" for a deferred transaction that could not start writing."""
    return isinstance(failed.orig, sqlite3.OperationalError) and (
        "locked" in str(failed.orig) or "busy" in str(failed.orig)
    )


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commits when the block ends, rolls back if it raises."""
    with factory() as session, session.begin():
        yield session


def opened(factory: sessionmaker[Session]) -> Session:
    """A session in a transaction that has not touched the database yet: it connects with its
    first statement. End it with `finish`, or `close` it when it was never `touched`."""
    session = factory()
    session.begin()
    return session


def touched(session: Session) -> bool:
    """Whether ending the session's transaction needs the database: it has connected, or it
    holds changes a commit would flush."""
    return bool(session.info.get(CONNECTED) or session.new or session.dirty or session.deleted)


def finish(session: Session, *, commit: bool) -> None:
    """Commit (or roll back) the session's transaction, and close it."""
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


UnitOfWork = Callable[[], AbstractContextManager[Session]]
"""Opens one unit of work (as `transaction` does). An edge (a command, a job, the request's
dependency) hands one to a flow that reads in several short transactions with I/O between
them, so the flow itself never begins or commits one."""


def units_of_work(factory: sessionmaker[Session]) -> UnitOfWork:
    return partial(transaction, factory)
