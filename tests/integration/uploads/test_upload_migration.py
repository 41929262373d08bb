"""The migration that gives uploads a community keeps every upload (each in its story's
community), and going back removes only the uploads still waiting for their new story."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from archive.db import migrate
from archive.db.session import create_db_engine
from archive.models import Community, Story
from archive.settings import Settings

BEFORE = "a1c0ffee0007"
AFTER = "a1c0ffee0009"
NOW = datetime(2026, 1, 1, tzinfo=UTC)

COLUMNS = (
    ("id", sa.Uuid()),
    ("story_id", sa.Uuid()),
    ("length", sa.BigInteger()),
    ("offset", sa.BigInteger()),
    ("upload_metadata", sa.JSON()),
    ("filename", sa.String()),
    ("status", sa.String()),
    ("expires_at", sa.DateTime(timezone=True)),
    ("object_key", sa.String()),
    ("parts", sa.JSON()),
    ("created_at", sa.DateTime(timezone=True)),
    ("updated_at", sa.DateTime(timezone=True)),
)
# The stories table as it stands at BEFORE: the model's columns less those added later.
LATER_STORY_COLUMNS = {"translate"}
stories_before = sa.Table(
    "stories",
    sa.MetaData(),
    *(c._copy() for c in Story.__table__.columns if c.name not in LATER_STORY_COLUMNS),
)
uploads_before = sa.table("uploads", *(sa.column(name, kind) for name, kind in COLUMNS))
uploads_after = sa.table(
    "uploads",
    *(sa.column(name, kind) for name, kind in COLUMNS),
    sa.column("community_id", sa.Uuid()),
)


def an_upload(story_id: uuid.UUID | None) -> dict[str, object]:
    return {
        "id": uuid.uuid4(),
        "story_id": story_id,
        "length": 10,
        "offset": 0,
        "upload_metadata": {},
        "filename": "",
        "status": "open",
        "expires_at": NOW,
        "object_key": f"originals/{uuid.uuid4()}",
        "parts": [],
        "created_at": NOW,
        "updated_at": NOW,
    }


def test_uploads_take_their_story_s_community_and_come_back_down(
    tmp_path: Path, database_url: str
) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url)
    migrate.upgrade(settings, BEFORE)
    engine = create_db_engine(settings)
    try:
        coast, story_id = uuid.uuid4(), uuid.uuid4()
        with engine.begin() as conn:
            conn.execute(
                sa.insert(Community).values(
                    id=coast, name="Coast", is_default=False, created_at=NOW
                )
            )
            conn.execute(
                sa.insert(stories_before).values(id=story_id, title="Nets", community_id=coast)
            )
            kept = an_upload(story_id)
            conn.execute(uploads_before.insert().values(**kept))

        migrate.upgrade(settings, AFTER)
        with engine.begin() as conn:
            row = conn.execute(sa.text("SELECT id, community_id FROM uploads")).one()
            assert uuid.UUID(str(row.community_id)) == coast
            waiting = {**an_upload(None), "community_id": coast}
            conn.execute(uploads_after.insert().values(**waiting))

        migrate.downgrade(settings, BEFORE)
        with engine.connect() as conn:
            ids = [uuid.UUID(str(i)) for i in conn.scalars(sa.text("SELECT id FROM uploads"))]
        assert ids == [kept["id"]]
    finally:
        engine.dispose()
