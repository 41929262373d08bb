"""Curation: people and their parts in stories, Dublin Core fields on stories, the review
queue's index, and where audit events came from.

Revision ID: a1c0ffee0005
Revises: a1c0ffee0004
Create Date: 2026-11-22 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a1c0ffee0005"
down_revision: str | None = "a1c0ffee0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A plain string, not `sa.text`: SQLite then adds the column in place (ALTER TABLE ADD
# COLUMN) instead of copying the table, and copying `stories` with foreign keys on would
# cascade-delete its recordings and consents.
EMPTY_LIST = "[]"


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("other_names", sa.JSON(), nullable=False),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("death_year", sa.Integer(), nullable=True),
        sa.Column("deceased", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_people_name"), ["name"], unique=False)

    op.create_table(
        "story_people",
        sa.Column("story_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_story_people_person_id_people"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name=op.f("fk_story_people_story_id_stories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("story_id", "person_id", "role", name=op.f("pk_story_people")),
    )
    with op.batch_alter_table("story_people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_story_people_person_id"), ["person_id"], unique=False)

    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recorded_date", sa.String(length=10), nullable=True))
        batch_op.add_column(
            sa.Column("recorded_date_precision", sa.String(length=5), nullable=True)
        )
        batch_op.add_column(sa.Column("place", sa.String(length=500), nullable=True))
        batch_op.add_column(
            sa.Column("subjects", sa.JSON(), server_default=EMPTY_LIST, nullable=False)
        )
        batch_op.add_column(
            sa.Column("keywords", sa.JSON(), server_default=EMPTY_LIST, nullable=False)
        )
        batch_op.add_column(sa.Column("rights", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("related_story_ids", sa.JSON(), server_default=EMPTY_LIST, nullable=False)
        )
        batch_op.create_index("ix_stories_review_queue", ["status", "created_at"], unique=False)

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_ip", sa.String(length=45), nullable=True))
        batch_op.create_index(batch_op.f("ix_events_action"), ["action"], unique=False)


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+ has it), not batch mode: a batch copies the table, and
    # dropping the old `stories` with foreign keys on would cascade-delete its recordings.
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_action"))
    op.drop_column("events", "source_ip")

    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.drop_index("ix_stories_review_queue")
    for column in (
        "related_story_ids",
        "rights",
        "keywords",
        "subjects",
        "place",
        "recorded_date_precision",
        "recorded_date",
    ):
        op.drop_column("stories", column)

    with op.batch_alter_table("story_people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_story_people_person_id"))

    op.drop_table("story_people")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_name"))

    op.drop_table("people")
