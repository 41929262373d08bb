"""Languages: each segment's language, a recording's detected languages, and a translation
track (a second transcript of kind `translation`, numbering its own versions).

Revision ID: a1c0ffee0011
Revises: a1c0ffee0010
Create Date: 2026-12-02 07:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a1c0ffee0011"
down_revision: str | None = "a1c0ffee0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("segments") as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=20), nullable=True))
    # Segments made before this revision are in their transcript's language.
    op.execute(
        "UPDATE segments SET language = (SELECT transcripts.language FROM transcripts "
        "WHERE transcripts.id = segments.transcript_id)"
    )
    with op.batch_alter_table("recordings") as batch_op:
        batch_op.add_column(sa.Column("detected_languages", sa.JSON(), nullable=True))
    with op.batch_alter_table("stories") as batch_op:
        batch_op.add_column(
            sa.Column("translate", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )
    with op.batch_alter_table("transcripts") as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind", sa.String(length=20), server_default=sa.text("'original'"), nullable=False
            )
        )
        batch_op.drop_constraint("uq_transcripts_recording_id", type_="unique")
        batch_op.create_unique_constraint(
            "uq_transcripts_recording_id", ["recording_id", "kind", "version"]
        )


def downgrade() -> None:
    # Translation tracks have no place in the older schema; they are made again on request.
    op.execute("DELETE FROM transcripts WHERE kind <> 'original'")
    with op.batch_alter_table("transcripts") as batch_op:
        batch_op.drop_constraint("uq_transcripts_recording_id", type_="unique")
        batch_op.create_unique_constraint(
            "uq_transcripts_recording_id", ["recording_id", "version"]
        )
        batch_op.drop_column("kind")
    with op.batch_alter_table("stories") as batch_op:
        batch_op.drop_column("translate")
    with op.batch_alter_table("recordings") as batch_op:
        batch_op.drop_column("detected_languages")
    with op.batch_alter_table("segments") as batch_op:
        batch_op.drop_column("language")
