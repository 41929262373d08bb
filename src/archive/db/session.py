"""Engines and sessions.

SQLite runs in WAL mode with a busy timeout, and every transaction starts with `BEGIN IMMEDIATE`:
a deferred transaction that later upgrades to a write fails at once with "database is locked",
ignoring the busy timeout, which is the classic way two writers lose work on SQLite.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import partial
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from archive.settings import Settings

SQLITE_BUSY_TIMEOUT_MS = 30_000


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
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commits when the block ends, rolls back if it raises."""
    with factory() as session, session.begin():
        yield session


UnitOfWork = Callable[[], AbstractContextManager[Session]]
"""Opens one unit of work (as `transaction` does). An edge (a command, a job, the request's
dependency) hands one to a flow that reads in several short transactions with I/O between
them, so the flow itself never begins or commits one."""


def units_of_work(factory: sessionmaker[Session]) -> UnitOfWork:
    return partial(transaction, factory)
