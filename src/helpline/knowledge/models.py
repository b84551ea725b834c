"""The knowledge base: FAQ entries, articles, and the chunks retrieval searches."""

import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from helpline.core.db import Base, IdMixin, JSONDoc, TimestampMixin, WorkspaceScoped


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


class Article(IdMixin, TimestampMixin, WorkspaceScoped, Base):
    __tablename__ = "articles"

    title: Mapped[str] = mapped_column(String(300))
    # Markdown, shown as text: nothing in it is ever rendered live (RELIABILITY, Isolation 9).
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ArticleStatus] = mapped_column(default=ArticleStatus.draft)
    locale: Mapped[str] = mapped_column(String(16), default="en")


class KnowledgeChunk(IdMixin, WorkspaceScoped, Base):
    """A searchable piece of a FAQ entry or an article. Only published content has chunks:
    what is not published cannot be found, so the bot can never quote a draft.

    `terms` is full-text indexed outside this model (migration 0007, `knowledge.fulltext`): an
    FTS5 table on SQLite, a GIN expression index on PostgreSQL."""

    __tablename__ = "knowledge_chunks"
    __table_args__ = (Index("ix_knowledge_chunks_source", "workspace_id", "source_kind"),)

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
