"""Communities, memberships, cultural protocols and access grants; a story's community.

Revision ID: a1c0ffee0006
Revises: a1c0ffee0005
Create Date: 2026-11-22 14:10:00
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "a1c0ffee0006"
down_revision: str | None = "a1c0ffee0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_COMMUNITY = "Our community"


def upgrade() -> None:
    communities = op.create_table(
        "communities",
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_communities")),
        sa.UniqueConstraint("name", name=op.f("uq_communities_name")),
    )
    op.create_table(
        "memberships",
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_memberships_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_memberships_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
        sa.UniqueConstraint("community_id", "user_id", name=op.f("uq_memberships_community_id")),
    )
    with op.batch_alter_table("memberships") as batch_op:
        batch_op.create_index(batch_op.f("ix_memberships_community_id"), ["community_id"])
        batch_op.create_index(batch_op.f("ix_memberships_user_id"), ["user_id"])
    op.create_table(
        "protocols",
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("visibility", sa.String(length=10), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_protocols_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protocols")),
    )
    with op.batch_alter_table("protocols") as batch_op:
        batch_op.create_index(batch_op.f("ix_protocols_community_id"), ["community_id"])
    op.create_table(
        "protocol_members",
        sa.Column("protocol_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["protocol_id"],
            ["protocols.id"],
            name=op.f("fk_protocol_members_protocol_id_protocols"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_protocol_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("protocol_id", "user_id", name=op.f("pk_protocol_members")),
    )
    op.create_table(
        "story_protocols",
        sa.Column("story_id", sa.Uuid(), nullable=False),
        sa.Column("protocol_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["protocol_id"],
            ["protocols.id"],
            name=op.f("fk_story_protocols_protocol_id_protocols"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name=op.f("fk_story_protocols_story_id_stories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("story_id", "protocol_id", name=op.f("pk_story_protocols")),
    )
    op.create_table(
        "access_grants",
        sa.Column("story_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["users.id"],
            name=op.f("fk_access_grants_decided_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name=op.f("fk_access_grants_story_id_stories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_access_grants_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_grants")),
    )
    with op.batch_alter_table("access_grants") as batch_op:
        batch_op.create_index(batch_op.f("ix_access_grants_story_id"), ["story_id"])
        batch_op.create_index(batch_op.f("ix_access_grants_user_id"), ["user_id"])
    with op.batch_alter_table("stories") as batch_op:
        batch_op.add_column(sa.Column("community_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("protocol_mode", sa.String(length=3), nullable=False, server_default="all")
        )
        batch_op.add_column(sa.Column("embargo_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_stories_community_id"), ["community_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_stories_community_id_communities"),
            "communities",
            ["community_id"],
            ["id"],
            ondelete="RESTRICT",
        )
    # Every story so far belongs to the archive's one community.
    default_id = uuid.uuid4()
    op.bulk_insert(
        communities,
        [
            {
                "id": default_id,
                "name": DEFAULT_COMMUNITY,
                "is_default": True,
                "created_at": datetime.now(UTC),
            }
        ],
    )
    stories = sa.table("stories", sa.column("community_id", sa.Uuid()))
    op.execute(stories.update().values(community_id=default_id))


def downgrade() -> None:
    with op.batch_alter_table("stories") as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_stories_community_id_communities"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_stories_community_id"))
        batch_op.drop_column("embargo_until")
        batch_op.drop_column("protocol_mode")
        batch_op.drop_column("community_id")
    op.drop_table("access_grants")
    op.drop_table("story_protocols")
    op.drop_table("protocol_members")
    op.drop_table("protocols")
    op.drop_table("memberships")
    op.drop_table("communities")
