"""Uploads belong to a community, and may wait for their story until they complete.

`community_id` is the community of the upload's story (the archive's default community for
the rare story without one). `story_id` may be empty: an upload that names a new story by its
title makes that story only when its last byte has arrived. Uploads by one user or one link
are counted (indexes on `created_by` and `upload_link_id`).

Downgrading removes the unfinished uploads that wait for a story (the old schema cannot hold
them); their clients start again.

Revision ID: a1c0ffee0009
Revises: a1c0ffee0008
Create Date: 2026-12-02 02:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a1c0ffee0009"
down_revision: str | None = "a1c0ffee0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("uploads") as batch_op:
        batch_op.add_column(sa.Column("community_id", sa.Uuid(), nullable=True))
    uploads = sa.table(
        "uploads", sa.column("story_id", sa.Uuid()), sa.column("community_id", sa.Uuid())
    )
    stories = sa.table("stories", sa.column("id", sa.Uuid()), sa.column("community_id", sa.Uuid()))
    communities = sa.table(
        "communities", sa.column("id", sa.Uuid()), sa.column("is_default", sa.Boolean())
    )
    story_community = (
        sa.select(stories.c.community_id)
        .where(stories.c.id == uploads.c.story_id)
        .scalar_subquery()
    )
    default_community = (
        sa.select(communities.c.id).where(communities.c.is_default.is_(True)).scalar_subquery()
    )
    op.execute(
        uploads.update().values(community_id=sa.func.coalesce(story_community, default_community))
    )
    with op.batch_alter_table("uploads") as batch_op:
        batch_op.alter_column("community_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.alter_column("story_id", existing_type=sa.Uuid(), nullable=True)
        batch_op.create_index(batch_op.f("ix_uploads_community_id"), ["community_id"])
        batch_op.create_index(batch_op.f("ix_uploads_created_by"), ["created_by"])
        batch_op.create_index(batch_op.f("ix_uploads_upload_link_id"), ["upload_link_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_uploads_community_id_communities"),
            "communities",
            ["community_id"],
            ["id"],
            ondelete="RESTRICT",
        )


def downgrade() -> None:
    uploads = sa.table("uploads", sa.column("story_id", sa.Uuid()))
    op.execute(uploads.delete().where(uploads.c.story_id.is_(None)))
    with op.batch_alter_table("uploads") as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_uploads_community_id_communities"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_uploads_upload_link_id"))
        batch_op.drop_index(batch_op.f("ix_uploads_created_by"))
        batch_op.drop_index(batch_op.f("ix_uploads_community_id"))
        batch_op.alter_column("story_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.drop_column("community_id")
