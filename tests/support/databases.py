"""The databases every database test runs on: SQLite always, PostgreSQL when one answers.

PostgreSQL comes from `ARCHIVE_TEST_DATABASE_URL`, else the local server at 127.0.0.1:5432.
Each test gets a database of its own, created empty and dropped after, so the real migrations
run on it and no test sees another's rows.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from archive.db import migrate
from archive.settings import Settings

LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@cache
def postgres_admin_url() -> tuple[str | None, str]:
    """(URL of a database to connect to for CREATE DATABASE, or None; why it is None)."""
    url = os.environ.get("ARCHIVE_TEST_DATABASE_URL", LOCAL_POSTGRES)
    try:
        with psycopg.connect(_libpq(url), connect_timeout=3):
            pass
    except psycopg.Error as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return None, (
            f"no PostgreSQL answers at {make_url(url).render_as_string()} "
            f"({first_line}); set ARCHIVE_TEST_DATABASE_URL to run these on PostgreSQL"
        )
    return url, ""


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def fresh_postgres_database(template: str | None = None) -> Iterator[str]:
    """Creates a database for one test (empty, or a copy of `template`); yields its
    SQLAlchemy URL; drops it after."""
    admin, _ = postgres_admin_url()
    assert admin is not None
    name = f"archive_test_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(_libpq(admin), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"{copy}')
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq(admin), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass(frozen=True)
class MigratedTemplates:
    sqlite_file: Path
    postgres_template: str | None
    """A database name, or None when no PostgreSQL answers."""


@contextmanager
def migrated_templates_for(directory: Path) -> Iterator[MigratedTemplates]:
    """Runs the migrations once into an SQLite file and, when one answers, a PostgreSQL
    database; yields them; drops the PostgreSQL one after."""
    sqlite_file = directory / "archive.sqlite3"
    migrate.upgrade(Settings(data_dir=directory, database_url=f"sqlite:///{sqlite_file}"))
    with sqlite3.connect(sqlite_file) as conn:  # everything into the main file, for copying
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    admin, _ = postgres_admin_url()
    if admin is None:
        yield MigratedTemplates(sqlite_file, None)
        return
    with fresh_postgres_database() as url:
        migrate.upgrade(Settings(data_dir=directory, database_url=url))
        yield MigratedTemplates(sqlite_file, str(make_url(url).database))
