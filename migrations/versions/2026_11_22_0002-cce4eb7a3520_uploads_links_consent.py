"""Resumable uploads, upload links, consent, and a story's review status.

Revision ID: cce4eb7a3520
Revises: d8ad66a78623
Create Date: 2026-11-22 13:36:34.240253
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "cce4eb7a3520"
down_revision: str | None = "d8ad66a78623"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "upload_links",
        sa.Column("collection_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("max_uploads", sa.Integer(), nullable=True),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["collections.id"],
            name=op.f("fk_upload_links_collection_id_collections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_upload_links_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upload_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_upload_links_token_hash")),
    )
    with op.batch_alter_table("upload_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_upload_links_collection_id"), ["collection_id"], unique=False
        )

    op.create_table(
        "consents",
        sa.Column("story_id", sa.Uuid(), nullable=False),
        sa.Column("given_by", sa.String(length=300), nullable=False),
        sa.Column("listen", sa.String(length=20), nullable=False),
        sa.Column("searchable", sa.Boolean(), nullable=False),
        sa.Column("embargo_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("document_key", sa.String(length=500), nullable=True),
        sa.Column("document_content_type", sa.String(length=100), nullable=True),
        sa.Column("document_sha256", sa.String(length=64), nullable=True),
        sa.Column("document_size", sa.BigInteger(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["users.id"],
            name=op.f("fk_consents_recorded_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name=op.f("fk_consents_story_id_stories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
        sa.UniqueConstraint("story_id", name=op.f("uq_consents_story_id")),
    )
    op.create_table(
        "uploads",
        sa.Column("story_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("upload_link_id", sa.Uuid(), nullable=True),
        sa.Column("length", sa.BigInteger(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("upload_metadata", sa.JSON(), nullable=False),
        sa.Column("filename", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("object_key", sa.String(length=500), nullable=False),
        sa.Column("multipart_id", sa.String(length=1024), nullable=True),
        sa.Column("parts", sa.JSON(), nullable=False),
        sa.Column("recording_id", sa.Uuid(), nullable=True),
        sa.Column("lock_owner", sa.String(length=100), nullable=True),
        sa.Column("lock_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_uploads_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name=op.f("fk_uploads_story_id_stories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["upload_link_id"],
            ["upload_links.id"],
            name=op.f("fk_uploads_upload_link_id_upload_links"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uploads")),
    )
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_uploads_story_id"), ["story_id"], unique=False)

    with op.batch_alter_table("stories", schema=None) as batch_op:
        # Stories from before review existed were put in by archivists: they are published.
        batch_op.add_column(
            sa.Column("status", sa.String(length=20), nullable=False, server_default="published")
        )
        batch_op.add_column(sa.Column("upload_link_id", sa.Uuid(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_stories_upload_link_id"), ["upload_link_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_stories_upload_link_id_upload_links"),
            "upload_links",
            ["upload_link_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_stories_upload_link_id_upload_links"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_stories_upload_link_id"))
        batch_op.drop_column("upload_link_id")
        batch_op.drop_column("status")

    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_uploads_story_id"))

    op.drop_table("uploads")
    op.drop_table("consents")
    with op.batch_alter_table("upload_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_upload_links_collection_id"))

    op.drop_table("upload_links")
