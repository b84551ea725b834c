"""The help centre: collections of articles, article slugs, and readers' feedback on articles.

Existing articles get a slug derived from their title (unique per workspace: "-2", "-3", ...
for repeated titles), written before the column becomes NOT NULL and unique. On SQLite the
articles table is rebuilt for that, with its chunks kept (see _chunks_kept).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 10:30:00.000000
"""

import re
import unicodedata
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

import helpline.core.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SLUG_MAX = 80


def _slug(title: str) -> str:
    # Kept like helpline.knowledge.slugs.slugify at the time of writing (a migration does not
    # import application code that may change after it).
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:_SLUG_MAX].rstrip("-") or "article"


def _fill_article_slugs() -> None:
    bind = op.get_bind()
    articles = sa.table(
        "articles",
        sa.column("id", sa.Uuid()),
        sa.column("workspace_id", sa.Uuid()),
        sa.column("title", sa.String()),
        sa.column("created_at", helpline.core.db.UTCDateTime(timezone=True)),
        sa.column("slug", sa.String()),
    )
    rows = bind.execute(
        sa.select(articles.c.id, articles.c.workspace_id, articles.c.title).order_by(
            articles.c.created_at, articles.c.id
        )
    ).all()
    taken: dict[uuid.UUID, set[str]] = {}
    for row in rows:
        used = taken.setdefault(row.workspace_id, set())
        base = _slug(row.title)
        slug, n = base, 2
        while slug in used:
            slug, n = f"{base}-{n}", n + 1
        used.add(slug)
        bind.execute(articles.update().where(articles.c.id == row.id).values(slug=slug))


@contextmanager
def _chunks_kept() -> Iterator[None]:
    """SQLite changes a column or a constraint by rebuilding the table (batch mode), which
    drops the old `articles`; with foreign keys on, that deletes every article's chunks
    (ON DELETE CASCADE). They are read before and written back after. (PostgreSQL alters in
    place.)"""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    chunks = sa.Table("knowledge_chunks", sa.MetaData(), autoload_with=bind)
    saved = [dict(row._mapping) for row in bind.execute(sa.select(chunks))]
    yield
    bind.execute(chunks.delete())
    if saved:
        bind.execute(chunks.insert(), saved)


def upgrade() -> None:
    op.create_table(
        "collections",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", helpline.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", helpline.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_collections_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collections")),
        sa.UniqueConstraint("workspace_id", "slug", name=op.f("uq_collections_workspace_id_slug")),
    )
    with op.batch_alter_table("collections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_collections_workspace_id"), ["workspace_id"], unique=False
        )

    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("collection_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("slug", sa.String(length=120), nullable=True))
    _fill_article_slugs()
    with _chunks_kept(), op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.alter_column("slug", existing_type=sa.String(length=120), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_articles_collection_id_collections"),
            "collections",
            ["collection_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(
            batch_op.f("ix_articles_collection_id"), ["collection_id"], unique=False
        )
        batch_op.create_index("ix_articles_workspace_slug", ["workspace_id", "slug"], unique=True)

    op.create_table(
        "article_feedback",
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("created_at", helpline.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_feedback_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_article_feedback_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_feedback")),
    )
    with op.batch_alter_table("article_feedback", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_article_feedback_article_id"), ["article_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_article_feedback_workspace_id"), ["workspace_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("article_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_feedback_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_article_feedback_article_id"))
    op.drop_table("article_feedback")

    with _chunks_kept(), op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index("ix_articles_workspace_slug")
        batch_op.drop_index(batch_op.f("ix_articles_collection_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_articles_collection_id_collections"), type_="foreignkey"
        )
        batch_op.drop_column("slug")
        batch_op.drop_column("collection_id")

    with op.batch_alter_table("collections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_collections_workspace_id"))
    op.drop_table("collections")
