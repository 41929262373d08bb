"""Job lanes: transcription in its own, so the jobs that keep the archive correct never wait
behind it; claims read one lane's queue in order from one index.

Revision ID: a1c0ffee0010
Revises: a1c0ffee0009
Create Date: 2026-12-02 02:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a1c0ffee0010"
down_revision: str | None = "a1c0ffee0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.add_column(sa.Column("lane", sa.String(length=20), nullable=True))
    # `domain.jobs.lane_of`, as it stands at this revision.
    op.execute(
        "UPDATE jobs SET lane = CASE WHEN kind = 'transcribe' THEN 'transcribe' ELSE 'fast' END"
    )
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.alter_column("lane", existing_type=sa.String(length=20), nullable=False)
        batch_op.drop_index("ix_jobs_runnable")
        batch_op.create_index(
            "ix_jobs_claim", ["lane", "status", "run_after", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.drop_index("ix_jobs_claim")
        batch_op.create_index("ix_jobs_runnable", ["status", "run_after"], unique=False)
        batch_op.drop_column("lane")
