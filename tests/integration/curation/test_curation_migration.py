"""The curation migration keeps every story, recording and consent, up and down.

On SQLite a batch migration that copies `stories` drops the old table with foreign keys on,
and that cascades to recordings and consents; this migration adds its columns in place.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from archive.db import migrate
from archive.db.session import create_db_engine
from archive.settings import Settings

BEFORE = "cce4eb7a3520"
CURATION = "a1c0ffee0005"
NOW = datetime(2026, 1, 1, tzinfo=UTC)

stories = sa.table(
    "stories",
    sa.column("id", sa.Uuid()),
    sa.column("title", sa.String()),
    sa.column("description", sa.Text()),
    sa.column("languages", sa.JSON()),
    sa.column("access", sa.String()),
    sa.column("status", sa.String()),
    sa.column("version", sa.Integer()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
recordings = sa.table(
    "recordings",
    sa.column("id", sa.Uuid()),
    sa.column("story_id", sa.Uuid()),
    sa.column("object_key", sa.String()),
    sa.column("original_filename", sa.String()),
    sa.column("content_type", sa.String()),
    sa.column("container", sa.String()),
    sa.column("size", sa.BigInteger()),
    sa.column("sha256", sa.String()),
    sa.column("status", sa.String()),
    sa.column("progress", sa.Float()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
consents = sa.table(
    "consents",
    sa.column("id", sa.Uuid()),
    sa.column("story_id", sa.Uuid()),
    sa.column("given_by", sa.String()),
    sa.column("listen", sa.String()),
    sa.column("searchable", sa.Boolean()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)


def _counts(engine: sa.Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return (
            conn.scalar(sa.select(sa.func.count()).select_from(stories)) or 0,
            conn.scalar(sa.select(sa.func.count()).select_from(recordings)) or 0,
            conn.scalar(sa.select(sa.func.count()).select_from(consents)) or 0,
        )


def test_the_curation_migration_keeps_recordings_and_consents(
    tmp_path: Path, database_url: str
) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url)
    migrate.upgrade(settings, BEFORE)
    story_id = uuid.uuid4()
    engine = create_db_engine(settings)
    try:
        with engine.begin() as conn:
            conn.execute(
                stories.insert().values(
                    id=story_id,
                    title="The flood",
                    description="",
                    languages=["en"],
                    access="public",
                    status="published",
                    version=1,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
            conn.execute(
                recordings.insert().values(
                    id=uuid.uuid4(),
                    story_id=story_id,
                    object_key="originals/flood.flac",
                    original_filename="flood.flac",
                    content_type="audio/flac",
                    container="flac",
                    size=1,
                    sha256="0" * 64,
                    status="ready",
                    progress=1.0,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
            conn.execute(
                consents.insert().values(
                    id=uuid.uuid4(),
                    story_id=story_id,
                    given_by="Rosa",
                    listen="public",
                    searchable=True,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        assert _counts(engine) == (1, 1, 1)

        migrate.upgrade(settings, CURATION)
        assert _counts(engine) == (1, 1, 1)
        with engine.connect() as conn:
            row = conn.execute(
                sa.text("SELECT subjects, keywords, related_story_ids FROM stories")
            ).one()
        assert [list(v) if isinstance(v, list) else v for v in row] in (
            [[], [], []],
            ["[]", "[]", "[]"],
        )

        migrate.downgrade(settings, BEFORE)
        assert _counts(engine) == (1, 1, 1)
    finally:
        engine.dispose()
