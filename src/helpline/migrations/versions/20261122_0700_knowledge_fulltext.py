"""Knowledge retrieval, part 2: a full-text index over the chunks' terms, and a vector per chunk.

SQLite: an FTS5 table `knowledge_chunks_fts` (terms, chunk_id, workspace_id), written by the
knowledge repository in the transaction that writes the chunks (no triggers: the ORM's writes
and the index's stay in one place of code). Its rowid is derived from the chunk id
(`knowledge.fulltext.sqlite.fts_rowid`), so removing a chunk's entry is a rowid lookup.
PostgreSQL: a GIN expression index on `to_tsvector('simple', terms)`, kept by the database.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 07:00:00.000000
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fts_rowid(chunk_id: uuid.UUID) -> int:
    # Kept identical to helpline.knowledge.fulltext.sqlite.fts_rowid (a migration does not
    # import application code that may change after it).
    return chunk_id.int & ((1 << 62) - 1)


def upgrade() -> None:
    with op.batch_alter_table("knowledge_chunks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("embedding", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("embedding_model", sa.String(length=100), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_knowledge_chunks_terms_fts ON knowledge_chunks "
            "USING gin (to_tsvector('simple', terms))"
        )
        return
    op.execute(
        "CREATE VIRTUAL TABLE knowledge_chunks_fts USING fts5("
        "terms, chunk_id UNINDEXED, workspace_id UNINDEXED, tokenize = 'unicode61')"
    )
    chunks = sa.table(
        "knowledge_chunks",
        sa.column("id", sa.Uuid()),
        sa.column("workspace_id", sa.Uuid()),
        sa.column("terms", sa.Text()),
    )
    fts = sa.table(
        "knowledge_chunks_fts",
        sa.column("rowid", sa.Integer()),
        sa.column("terms", sa.Text()),
        sa.column("chunk_id", sa.Uuid()),
        sa.column("workspace_id", sa.Uuid()),
    )
    rows = bind.execute(sa.select(chunks.c.id, chunks.c.workspace_id, chunks.c.terms)).all()
    if rows:
        bind.execute(
            fts.insert(),
            [
                {
                    "rowid": _fts_rowid(row.id),
                    "terms": row.terms,
                    "chunk_id": row.id,
                    "workspace_id": row.workspace_id,
                }
                for row in rows
            ],
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_knowledge_chunks_terms_fts")
    else:
        op.execute("DROP TABLE knowledge_chunks_fts")
    with op.batch_alter_table("knowledge_chunks", schema=None) as batch_op:
        batch_op.drop_column("embedding_model")
        batch_op.drop_column("embedding")
