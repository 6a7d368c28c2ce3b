"""Generation figures per write chunk: tokens and seconds, for tokens/s in `run` and `status`.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 01:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "generation_stats",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=True),
        sa.Column("tokens", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_generation_stats_batch_id_batches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_generation_stats")),
    )
    with op.batch_alter_table("generation_stats", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_generation_stats_batch_id"), ["batch_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("generation_stats", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_generation_stats_batch_id"))
    op.drop_table("generation_stats")
