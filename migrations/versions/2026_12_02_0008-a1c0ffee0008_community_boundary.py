"""One community boundary: collections, upload links and people belong to a community, and
each audit event names the community of what it is about.

Existing rows are filled: a collection takes the community of its stories when they all share
one, else the default community (made if there is none); a person likewise from the stories
that name them; an upload link its collection's. An event takes the community of its subject
where that is one look-up away (a story, a recording, an upload, a collection, a link, a
person, a protocol, a community), else none, and is then shown to administrators only.

Revision ID: a1c0ffee0008
Revises: a1c0ffee0007
Create Date: 2026-12-02 02:00:00
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "a1c0ffee0008"
down_revision: str | None = "a1c0ffee0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_COMMUNITY = "Our community"

communities = sa.table(
    "communities",
    sa.column("id", sa.Uuid()),
    sa.column("name", sa.String()),
    sa.column("is_default", sa.Boolean()),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
stories = sa.table(
    "stories",
    sa.column("id", sa.Uuid()),
    sa.column("community_id", sa.Uuid()),
    sa.column("collection_id", sa.Uuid()),
)
story_people = sa.table(
    "story_people", sa.column("story_id", sa.Uuid()), sa.column("person_id", sa.Uuid())
)
recordings = sa.table("recordings", sa.column("id", sa.Uuid()), sa.column("story_id", sa.Uuid()))
uploads = sa.table("uploads", sa.column("id", sa.Uuid()), sa.column("story_id", sa.Uuid()))
protocols = sa.table("protocols", sa.column("id", sa.Uuid()), sa.column("community_id", sa.Uuid()))
collections = sa.table(
    "collections", sa.column("id", sa.Uuid()), sa.column("community_id", sa.Uuid())
)
upload_links = sa.table(
    "upload_links",
    sa.column("id", sa.Uuid()),
    sa.column("collection_id", sa.Uuid()),
    sa.column("community_id", sa.Uuid()),
)
people = sa.table("people", sa.column("id", sa.Uuid()), sa.column("community_id", sa.Uuid()))
events = sa.table(
    "events",
    sa.column("subject_type", sa.String()),
    sa.column("subject_id", sa.Uuid()),
    sa.column("community_id", sa.Uuid()),
)

OWNED = ("collections", "upload_links", "people")
"""Tables whose every row belongs to a community."""


def upgrade() -> None:
    for table in (*OWNED, "events"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("community_id", sa.Uuid(), nullable=True))
    conn = op.get_bind()
    default_id = _default_community(conn)
    _fill_from_stories(
        conn,
        collections,
        sa.select(stories.c.collection_id, stories.c.community_id)
        .where(stories.c.collection_id.is_not(None))
        .distinct(),
        default_id,
    )
    _fill_from_stories(
        conn,
        people,
        sa.select(story_people.c.person_id, stories.c.community_id)
        .join(stories, stories.c.id == story_people.c.story_id)
        .distinct(),
        default_id,
    )
    conn.execute(
        upload_links.update().values(
            community_id=sa.select(collections.c.community_id)
            .where(collections.c.id == upload_links.c.collection_id)
            .scalar_subquery()
        )
    )
    _fill_events(conn)
    for table in (*OWNED, "events"):
        with op.batch_alter_table(table) as batch_op:
            if table in OWNED:
                batch_op.alter_column("community_id", existing_type=sa.Uuid(), nullable=False)
            batch_op.create_index(batch_op.f(f"ix_{table}_community_id"), ["community_id"])
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_community_id_communities"),
                "communities",
                ["community_id"],
                ["id"],
                ondelete="RESTRICT" if table in OWNED else "SET NULL",
            )


def _default_community(conn: sa.Connection) -> uuid.UUID:
    """The default community's id, made (or an existing one of its name marked default) when
    the archive has none."""
    found = conn.execute(
        sa.select(communities.c.id).where(communities.c.is_default.is_(True))
    ).scalar()
    if found is not None:
        return found  # type: ignore[no-any-return]
    named = conn.execute(
        sa.select(communities.c.id).where(communities.c.name == DEFAULT_COMMUNITY)
    ).scalar()
    if named is not None:
        conn.execute(communities.update().where(communities.c.id == named).values(is_default=True))
        return named  # type: ignore[no-any-return]
    made = uuid.uuid4()
    conn.execute(
        communities.insert().values(
            id=made, name=DEFAULT_COMMUNITY, is_default=True, created_at=datetime.now(UTC)
        )
    )
    return made


def _fill_from_stories(
    conn: sa.Connection,
    table: sa.TableClause,
    pairs: sa.Select[Any],
    default_id: uuid.UUID,
) -> None:
    """Each row of `table` takes the one community of the stories that `pairs` (row id,
    story's community) relate it to; rows with none or several take the default."""
    found: dict[uuid.UUID, set[uuid.UUID | None]] = {}
    for owner, community in conn.execute(pairs).all():
        found.setdefault(owner, set()).add(community)
    for owner, held in found.items():
        if len(held) == 1 and None not in held:
            conn.execute(
                table.update().where(table.c.id == owner).values(community_id=next(iter(held)))
            )
    conn.execute(
        table.update().where(table.c.community_id.is_(None)).values(community_id=default_id)
    )


def _fill_events(conn: sa.Connection) -> None:
    story_of_recording = (
        sa.select(stories.c.community_id)
        .join(recordings, recordings.c.story_id == stories.c.id)
        .where(recordings.c.id == events.c.subject_id)
        .scalar_subquery()
    )
    story_of_upload = (
        sa.select(stories.c.community_id)
        .join(uploads, uploads.c.story_id == stories.c.id)
        .where(uploads.c.id == events.c.subject_id)
        .scalar_subquery()
    )
    sources: dict[str, sa.ScalarSelect[uuid.UUID]] = {
        "story": sa.select(stories.c.community_id)
        .where(stories.c.id == events.c.subject_id)
        .scalar_subquery(),
        "recording": story_of_recording,
        "upload": story_of_upload,
        "collection": sa.select(collections.c.community_id)
        .where(collections.c.id == events.c.subject_id)
        .scalar_subquery(),
        "upload_link": sa.select(upload_links.c.community_id)
        .where(upload_links.c.id == events.c.subject_id)
        .scalar_subquery(),
        "person": sa.select(people.c.community_id)
        .where(people.c.id == events.c.subject_id)
        .scalar_subquery(),
        "protocol": sa.select(protocols.c.community_id)
        .where(protocols.c.id == events.c.subject_id)
        .scalar_subquery(),
        "community": sa.select(communities.c.id)
        .where(communities.c.id == events.c.subject_id)
        .scalar_subquery(),
    }
    for subject_type, community in sources.items():
        conn.execute(
            events.update()
            .where(events.c.subject_type == subject_type)
            .values(community_id=community)
        )


def downgrade() -> None:
    for table in ("events", *reversed(OWNED)):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(
                batch_op.f(f"fk_{table}_community_id_communities"), type_="foreignkey"
            )
            batch_op.drop_index(batch_op.f(f"ix_{table}_community_id"))
            batch_op.drop_column("community_id")
