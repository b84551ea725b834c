"""A workspace's choice of language model, its API key sealed (llm/, core/encryption.py).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import helpline.core.db

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "llm_configs",
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("base_url", sa.Text(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("sealed_api_key", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", helpline.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", helpline.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_llm_configs_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_llm_configs")),
        sa.UniqueConstraint("workspace_id", name=op.f("uq_llm_configs_workspace_id")),
    )
    with op.batch_alter_table("llm_configs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_llm_configs_workspace_id"), ["workspace_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("llm_configs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_llm_configs_workspace_id"))
    op.drop_table("llm_configs")
