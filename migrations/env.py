"""Alembic environment: the archive's own engine (with its SQLite pragmas) and models.

The database URL comes from the `Settings` that `archive.db.migrate` puts in the config, or
from `ARCHIVE_DATABASE_URL` when Alembic is run by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection

import archive.models  # noqa: F401  (registers every table on Base.metadata)
from archive.db.base import Base, UTCDateTime
from archive.db.session import create_db_engine
from archive.settings import Settings, get_settings

config = context.config
settings: Settings = config.attributes.get("settings") or get_settings()
connection = config.attributes.get("connection")


def render_item(type_: str, obj: object, autogen_context: AutogenContext) -> str | Literal[False]:
    """Migrations name plain SQLAlchemy types, never the archive's own type classes."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_online() -> None:
    def configure_and_run(conn: object) -> None:
        context.configure(
            connection=conn,  # type: ignore[arg-type]
            target_metadata=Base.metadata,
            render_as_batch=True,
            compare_type=True,
            render_item=render_item,
        )
        with context.begin_transaction():
            context.run_migrations()

    if connection is not None:
        configure_and_run(connection)
        return
    engine = create_db_engine(settings)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                with foreign_keys_off(conn):
                    configure_and_run(conn)
            else:
                configure_and_run(conn)
    finally:
        engine.dispose()


@contextmanager
def foreign_keys_off(conn: Connection) -> Iterator[None]:
    """SQLite alters a table by copying it and dropping the old one ("batch" mode); with
    foreign keys on, that drop cascades and deletes every row that points at the table
    (recordings, consents...). So they are off while migrating, and checked whole after."""
    raw = conn.connection.dbapi_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
        problems = raw.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"the migration left rows pointing nowhere: {problems[:5]}")
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    context.configure(
        url=settings.database_url,
        target_metadata=Base.metadata,
        render_as_batch=True,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
