"""The migrations produce exactly the models' schema, and undo cleanly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from archive.db import migrate
from archive.db.base import Base
from archive.db.session import create_db_engine
from archive.settings import Settings


def test_the_migrated_schema_is_the_declared_schema(settings: Settings) -> None:
    engine = create_db_engine(settings)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            drift = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert drift == []


def test_the_migrations_downgrade_to_nothing_and_come_back(settings: Settings) -> None:
    migrate.downgrade(settings, "base")
    engine = create_db_engine(settings)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(settings)
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
