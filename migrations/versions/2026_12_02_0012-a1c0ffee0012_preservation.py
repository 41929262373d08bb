"""Fixity audits an archivist can read, deaccession tombstones on recordings, and the
OAI-PMH catalogue's record of what it has given (for persistent deleted records).

Revision ID: a1c0ffee0012
Revises: a1c0ffee0011
Create Date: 2026-12-02 07:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a1c0ffee0012"
down_revision: str | None = "a1c0ffee0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fixity_audits",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("sample_percent", sa.Double(), nullable=False),
        sa.Column("cursor", sa.Uuid(), nullable=True),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("intact", sa.Integer(), nullable=False),
        sa.Column("missing", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("deaccessioned", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fixity_audits")),
    )
    op.create_index(
        op.f("ix_fixity_audits_started_at"), "fixity_audits", ["started_at"], unique=False
    )
    op.create_table(
        "oai_records",
        sa.Column("story_id", sa.Uuid(), nullable=False),
        sa.Column("datestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("community_id", sa.Uuid(), nullable=True),
        sa.Column("collection_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("story_id", name=op.f("pk_oai_records")),
    )
    op.create_index(op.f("ix_oai_records_datestamp"), "oai_records", ["datestamp"], unique=False)
    with op.batch_alter_table("recordings") as batch_op:
        batch_op.add_column(
            sa.Column("deaccessioned_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("deaccession_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("deaccessioned_by", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_recordings_deaccessioned_by_users"),
            "users",
            ["deaccessioned_by"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("recordings") as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_recordings_deaccessioned_by_users"), type_="foreignkey"
        )
        batch_op.drop_column("deaccessioned_by")
        batch_op.drop_column("deaccession_reason")
        batch_op.drop_column("deaccessioned_at")
    op.drop_index(op.f("ix_oai_records_datestamp"), table_name="oai_records")
    op.drop_table("oai_records")
    op.drop_index(op.f("ix_fixity_audits_started_at"), table_name="fixity_audits")
    op.drop_table("fixity_audits")
