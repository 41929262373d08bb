"""Upgrading an archive that already holds stories keeps every row: on SQLite a table is
rebuilt to be altered, and that must not cascade into the rows that point at it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import TextClause, Uuid, bindparam, text

from archive.db import migrate
from archive.db.session import create_db_engine
from archive.settings import Settings


def sql(statement: str, *uuids: str) -> TextClause:
    """Raw SQL for the old schema, with ids bound as the database stores UUIDs."""
    return text(statement).bindparams(*(bindparam(name, type_=Uuid()) for name in uuids))


def test_upgrading_from_the_first_schema_keeps_stories_recordings_and_transcripts(
    tmp_path: Path, database_url: str
) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url)
    migrate.upgrade(settings, "d8ad66a78623")
    engine = create_db_engine(settings)
    now = datetime.now(UTC)
    story, recording, transcript = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    try:
        with engine.begin() as conn:
            conn.execute(
                sql(
                    "INSERT INTO stories (id, title, description, languages, access, "
                    "version, created_at, updated_at) "
                    "VALUES (:id, 'Kept', '', '[]', 'public', 1, :now, :now)",
                    "id",
                ),
                {"id": story, "now": now},
            )
            conn.execute(
                sql(
                    "INSERT INTO recordings (id, story_id, object_key, original_filename, "
                    "content_type, container, size, sha256, status, progress, created_at, "
                    "updated_at) VALUES (:id, :story, 'k', 'a.flac', 'audio/flac', 'flac', 1, "
                    ":sha, 'ready', 1.0, :now, :now)",
                    "id",
                    "story",
                ),
                {"id": recording, "story": story, "sha": "0" * 64, "now": now},
            )
            conn.execute(
                sql(
                    "INSERT INTO transcripts (id, recording_id, version, source, created_at) "
                    "VALUES (:id, :recording, 1, 'machine', :now)",
                    "id",
                    "recording",
                ),
                {"id": transcript, "recording": recording, "now": now},
            )
        migrate.upgrade(settings)
        with engine.connect() as conn:
            counts = [
                conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in ("stories", "recordings", "transcripts")
            ]
            community = conn.execute(text("SELECT community_id FROM stories")).scalar_one()
            status = conn.execute(text("SELECT status FROM stories")).scalar_one()
    finally:
        engine.dispose()
    assert counts == [1, 1, 1]
    assert community is not None
    assert status == "published"
