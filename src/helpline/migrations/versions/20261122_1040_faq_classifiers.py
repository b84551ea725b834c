"""The per-workspace FAQ classifier: one trained softmax regression per workspace; and two
indexes on the knowledge chunks for the per-question reads of retrieval (chunks by id within
the workspace, and a covering index for the workspace's chunk statistics).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 10:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import helpline.core.db

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "faq_classifiers",
        sa.Column("fingerprint", sa.String(length=300), nullable=False),
        sa.Column("embedding_model", sa.String(length=100), nullable=False),
        sa.Column("dimension", sa.Integer(), nullable=False),
        sa.Column("parameters", sa.LargeBinary(), nullable=False),
        sa.Column(
            "faq_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("trained_at", helpline.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "metrics",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_faq_classifiers_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_classifiers")),
        sa.UniqueConstraint("workspace_id", name=op.f("uq_faq_classifiers_workspace_id")),
    )
    with op.batch_alter_table("faq_classifiers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_faq_classifiers_workspace_id"), ["workspace_id"], unique=False
        )
    with op.batch_alter_table("knowledge_chunks", schema=None) as batch_op:
        batch_op.create_index("ix_knowledge_chunks_workspace_chunk", ["workspace_id", "id"])
        batch_op.create_index(
            "ix_knowledge_chunks_statistics",
            ["workspace_id", "embedding_model", "term_count", "source_kind", "id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("knowledge_chunks", schema=None) as batch_op:
        batch_op.drop_index("ix_knowledge_chunks_statistics")
        batch_op.drop_index("ix_knowledge_chunks_workspace_chunk")
    with op.batch_alter_table("faq_classifiers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_faq_classifiers_workspace_id"))
    op.drop_table("faq_classifiers")
