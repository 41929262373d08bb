"""Checks made before the archive starts: each backend a setting names must answer.

A wrong URL stops the start with one line naming the setting, instead of a traceback from
deep inside a driver, or a server that starts and then fails every request.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from archive.db.session import create_db_engine
from archive.errors import ArchiveError
from archive.search.factory import open_search_index
from archive.settings import Settings, SettingsError
from archive.storage.factory import open_object_store


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def check_backends(settings: Settings) -> None:
    """Raises `SettingsError` naming the first setting whose backend does not answer."""
    engine = create_db_engine(settings)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except DBAPIError as exc:
        raise SettingsError(
            f"ARCHIVE_DATABASE_URL: the database does not answer ({_first_line(exc.orig or exc)})"
        ) from exc
    except SQLAlchemyError as exc:
        raise SettingsError(f"ARCHIVE_DATABASE_URL: {_first_line(exc)}") from exc
    finally:
        engine.dispose()
    try:
        store = open_object_store(settings)
    except ArchiveError as exc:
        raise SettingsError(f"ARCHIVE_STORAGE_URL: {exc.detail}") from exc
    if not store.ping():
        raise SettingsError(
            f"ARCHIVE_STORAGE_URL: the object store at {settings.storage_url} does not answer "
            "or does not take writes (check the bucket, ARCHIVE_S3_ENDPOINT_URL and the "
            "credentials)"
        )
    try:
        index = open_search_index(settings)
    except ArchiveError as exc:
        raise SettingsError(f"ARCHIVE_SEARCH_URL: {exc.detail}") from exc
    try:
        if not index.ping():
            raise SettingsError(
                f"ARCHIVE_SEARCH_URL: the search backend at {settings.search_url} does not answer"
            )
    finally:
        index.close()
