"""The databases every database test runs on: SQLite always, PostgreSQL when one answers.

PostgreSQL comes from `ARCHIVE_TEST_DATABASE_URL`, else the local server at 127.0.0.1:5432.
Each test gets a database of its own, created empty and dropped after, so the real migrations
run on it and no test sees another's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import psycopg
from sqlalchemy.engine import make_url

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
def fresh_postgres_database() -> Iterator[str]:
    """Creates an empty database for one test; yields its SQLAlchemy URL; drops it after."""
    admin, _ = postgres_admin_url()
    assert admin is not None
    name = f"archive_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq(admin), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq(admin), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
