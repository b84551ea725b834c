"""The knowledge base: FAQ entries, collections of articles, readers' feedback on articles,
and the chunks retrieval searches."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpline.core.db import Base, IdMixin, JSONDoc, TimestampMixin, WorkspaceScoped
from helpline.core.time import utc_now


class ArticleStatus(StrEnum):
    draft = "draft"
    published = "published"


class SourceKind(StrEnum):
    faq = "faq"
    article = "article"


class FaqEntry(IdMixin, TimestampMixin, WorkspaceScoped, Base):
    __tablename__ = "faq_entries"

    question: Mapped[str] = mapped_column(String(500))
    answer: Mapped[str] = mapped_column(Text)
    # Other ways people ask the same question: each is matched like the question itself.
    phrasings: Mapped[list[Any]] = mapped_column(JSONDoc, default=list)
    tags: Mapped[list[Any]] = mapped_column(JSONDoc, default=list)
    published: Mapped[bool] = mapped_column(default=True)


class Collection(IdMixin, TimestampMixin, WorkspaceScoped, Base):
    """A group of articles, shown as a section of the public help centre."""

    __tablename__ = "collections"
    __table_args__ = (UniqueConstraint("workspace_id", "slug"),)

    name: Mapped[str] = mapped_column(String(120))
    # The collection's address in the help centre: /help/<workspace>/collections/<slug>.
    slug: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    # Order on the help centre's home page, smallest first.
    position: Mapped[int] = mapped_column(default=0)
    locale: Mapped[str] = mapped_column(String(16), default="en")


class Article(IdMixin, TimestampMixin, WorkspaceScoped, Base):
    __tablename__ = "articles"
    # A unique index, not a constraint: SQLite adds one without rebuilding the table (0008).
    __table_args__ = (Index("ix_articles_workspace_slug", "workspace_id", "slug", unique=True),)

    title: Mapped[str] = mapped_column(String(300))
    # Markdown. The public help centre renders it (helpline.helpcentre.markdown: no raw HTML,
    # no outside images); everywhere else it is shown as text (RELIABILITY, Isolation 9).
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ArticleStatus] = mapped_column(default=ArticleStatus.draft)
    locale: Mapped[str] = mapped_column(String(16), default="en")
    # Deleting a collection leaves its articles, outside any collection.
    collection_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("collections.id", ondelete="SET NULL"), index=True
    )
    # The article's address in the help centre: /help/<workspace>/articles/<slug>. Derived from
    # the title when created; changed only when someone sends a new one, so links keep working.
    slug: Mapped[str] = mapped_column(String(120))


class ArticleFeedback(IdMixin, WorkspaceScoped, Base):
    """One "Was this helpful?" answer from a help-centre reader (anonymous)."""

    __tablename__ = "article_feedback"

    article_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    helpful: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class KnowledgeChunk(IdMixin, WorkspaceScoped, Base):
    """A searchable piece of a FAQ entry or an article. Only published content has chunks:
    what is not published cannot be found, so the bot can never quote a draft.

    `terms` is full-text indexed outside this model (migration 0007, `knowledge.fulltext`): an
    FTS5 table on SQLite, a GIN expression index on PostgreSQL."""

    __tablename__ = "knowledge_chunks"
    __table_args__ = (
        Index("ix_knowledge_chunks_source", "workspace_id", "source_kind"),
        # Per question, retrieval reads chunks by id and the workspace's chunk statistics
        # (migration 0009): without these, SQLite walks every chunk row of the workspace
        # (with its 1.5 KB vector) for both (docs/benchmarks.md, Bot).
        Index("ix_knowledge_chunks_workspace_chunk", "workspace_id", "id"),
        Index(
            "ix_knowledge_chunks_statistics",
            "workspace_id",
            "embedding_model",
            "term_count",
            "source_kind",
            "id",
        ),
    )

    source_kind: Mapped[SourceKind]
    faq_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("faq_entries.id", ondelete="CASCADE"), index=True
    )
    article_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    # What the chunk matches on (a question, a phrasing, a section of an article).
    text: Mapped[str] = mapped_column(Text)
    # The text's terms (chunking.terms), space-separated with a space at both ends so that
    # a term is found in SQL as LIKE '% term %'.
    terms: Mapped[str] = mapped_column(Text)
    term_count: Mapped[int]
    # The chunk's text embedded by `embedding_model` (knowledge.embeddings): float32 bytes,
    # L2-normalised. Written by the knowledge.index_embeddings job, never by a request; None
    # until then, or when no embedding model is available.
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    embedding_model: Mapped[str | None] = mapped_column(String(100))
