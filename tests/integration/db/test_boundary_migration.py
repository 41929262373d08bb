"""The community-boundary migration gives every collection, upload link, person and event of
an existing archive its community, keeps every row, and undoes cleanly."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from archive.db import migrate
from archive.db.session import create_db_engine
from archive.settings import Settings

BEFORE = "a1c0ffee0007"
BOUNDARY = "a1c0ffee0008"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _type(column: str) -> sa.types.TypeEngine[Any] | None:
    if column == "id" or column.endswith("_id"):
        return sa.Uuid()
    if column in ("languages", "other_names", "details"):
        return sa.JSON()
    if column in ("at", "created_at", "updated_at"):
        return sa.DateTime(timezone=True)
    if column in ("is_default", "deceased"):
        return sa.Boolean()
    return None


def table(name: str, *columns: str) -> sa.TableClause:
    """The old schema's table, with the column types that need binding as such."""
    return sa.table(name, *(sa.column(column, _type(column)) for column in columns))


communities = table("communities", "id", "name", "is_default", "created_at")
stories = table(
    "stories",
    "id",
    "title",
    "description",
    "languages",
    "access",
    "status",
    "version",
    "created_at",
    "updated_at",
    "community_id",
    "collection_id",
)
recordings = table(
    "recordings",
    "id",
    "story_id",
    "object_key",
    "original_filename",
    "content_type",
    "container",
    "size",
    "sha256",
    "status",
    "progress",
    "created_at",
    "updated_at",
)
collections = table("collections", "id", "title", "description", "created_at")
upload_links = table(
    "upload_links", "id", "collection_id", "token_hash", "note", "uses", "created_at"
)
people = table(
    "people", "id", "name", "other_names", "deceased", "notes", "created_at", "updated_at"
)
story_people = table("story_people", "story_id", "person_id", "role", "position")
events = table("events", "id", "at", "action", "subject_type", "subject_id", "outcome", "details")


def test_existing_rows_take_the_community_of_what_they_hold_or_the_default(
    tmp_path: Path, database_url: str
) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url)
    migrate.upgrade(settings, BEFORE)
    ids = {name: uuid.uuid4() for name in ("coast", "story", "home_story", "recording")}
    ids |= {name: uuid.uuid4() for name in ("nets", "empty", "link", "pedro", "nobody", "user")}
    engine = create_db_engine(settings)
    try:
        with engine.begin() as conn:
            default = conn.scalar(
                sa.select(communities.c.id).where(communities.c.is_default.is_(True))
            )
            conn.execute(
                communities.insert().values(
                    id=ids["coast"], name="Coast", is_default=False, created_at=NOW
                )
            )
            conn.execute(
                collections.insert(),
                [
                    {"id": ids["nets"], "title": "Nets", "description": "", "created_at": NOW},
                    {"id": ids["empty"], "title": "Empty", "description": "", "created_at": NOW},
                ],
            )
            for key, community, collection in (
                ("story", ids["coast"], ids["nets"]),
                ("home_story", default, None),
            ):
                conn.execute(
                    stories.insert().values(
                        id=ids[key],
                        title=key,
                        description="",
                        languages=["en"],
                        access="public",
                        status="published",
                        version=1,
                        created_at=NOW,
                        updated_at=NOW,
                        community_id=community,
                        collection_id=collection,
                    )
                )
            conn.execute(
                recordings.insert().values(
                    id=ids["recording"],
                    story_id=ids["story"],
                    object_key="originals/a.flac",
                    original_filename="a.flac",
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
                upload_links.insert().values(
                    id=ids["link"],
                    collection_id=ids["nets"],
                    token_hash="f" * 64,
                    note="",
                    uses=0,
                    created_at=NOW,
                )
            )
            conn.execute(
                people.insert(),
                [
                    {
                        "id": ids[key],
                        "name": key,
                        "other_names": [],
                        "deceased": False,
                        "notes": "",
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                    for key in ("pedro", "nobody")
                ],
            )
            conn.execute(
                story_people.insert().values(
                    story_id=ids["story"], person_id=ids["pedro"], role="narrator", position=0
                )
            )
            conn.execute(
                events.insert(),
                [
                    {
                        "id": uuid.uuid4(),
                        "at": NOW,
                        "action": action,
                        "subject_type": subject_type,
                        "subject_id": ids[key],
                        "outcome": "success",
                        "details": {},
                    }
                    for action, subject_type, key in (
                        ("story.created", "story", "story"),
                        ("recording.uploaded", "recording", "recording"),
                        ("collection.created", "collection", "empty"),
                        ("upload_link.created", "upload_link", "link"),
                        ("person.created", "person", "pedro"),
                        ("user.created", "user", "user"),
                    )
                ],
            )

        migrate.upgrade(settings, BOUNDARY)
        with engine.connect() as conn:

            def community_of(name: str, key: str) -> object:
                owned = table(name, "id", "community_id")
                return conn.scalar(sa.select(owned.c.community_id).where(owned.c.id == ids[key]))

            assert community_of("collections", "nets") == ids["coast"]
            assert community_of("collections", "empty") == default
            assert community_of("upload_links", "link") == ids["coast"]
            assert community_of("people", "pedro") == ids["coast"]
            assert community_of("people", "nobody") == default
            logged_events = table("events", "action", "community_id")
            logged = dict(
                conn.execute(sa.select(logged_events.c.action, logged_events.c.community_id)).all()
            )
        assert logged == {
            "story.created": ids["coast"],
            "recording.uploaded": ids["coast"],
            "collection.created": default,
            "upload_link.created": ids["coast"],
            "person.created": ids["coast"],
            "user.created": None,
        }

        migrate.downgrade(settings, BEFORE)
        with engine.connect() as conn:
            kept = [
                conn.scalar(sa.text(f"SELECT count(*) FROM {name}"))
                for name in ("stories", "recordings", "collections", "upload_links", "people")
            ]
            assert kept == [2, 1, 2, 1, 2]
            assert conn.scalar(sa.text("SELECT count(*) FROM events")) == 6
            assert conn.scalar(sa.text("SELECT count(*) FROM story_people")) == 1
    finally:
        engine.dispose()
