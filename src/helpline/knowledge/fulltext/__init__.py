"""Full-text search over the chunks' terms, one small module per database.

Both index the chunk's `terms` (chunking.terms: lower case, stemmed, no stop words), so the
two databases find exactly the chunks that contain a query term, and BM25 in retrieval.py
ranks them the same way. Every condition they build names the workspace
(RELIABILITY, Isolation 11).
"""

import uuid
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.knowledge.fulltext import postgres, sqlite
from helpline.knowledge.fulltext.query import any_of
from helpline.knowledge.models import KnowledgeChunk


class FullText(Protocol):
    def matches_any(self, workspace_id: uuid.UUID, terms: Sequence[str]) -> ColumnElement[bool]:
        """A condition on KnowledgeChunk: the chunk contains one of `terms`."""
        ...

    async def add(self, session: AsyncSession, chunks: Sequence[KnowledgeChunk]) -> None: ...

    async def remove(self, session: AsyncSession, chunk_ids: Sequence[uuid.UUID]) -> None: ...


def for_session(session: AsyncSession) -> FullText:
    dialect = session.get_bind().dialect.name
    return postgres.PostgresFullText() if dialect == "postgresql" else sqlite.SqliteFullText()


__all__ = ["FullText", "any_of", "for_session"]
