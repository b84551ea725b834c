"""PostgreSQL: a GIN expression index on `to_tsvector('simple', terms)` (migration 0007).

The database keeps the index itself, so adding and removing chunks does nothing here. The
'simple' configuration only lower-cases: the terms are already normalised and stemmed by
chunking.terms, as on SQLite. The configuration is written as SQL, not bound, so that the
condition's expression is the index's and the planner can use it.
"""

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, literal_column
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.knowledge.fulltext.query import any_of
from helpline.knowledge.models import KnowledgeChunk


class PostgresFullText:
    def matches_any(self, workspace_id: uuid.UUID, terms: Sequence[str]) -> ColumnElement[bool]:
        config: ColumnElement[str] = literal_column("'simple'")
        vector = func.to_tsvector(config, KnowledgeChunk.terms)
        query = func.websearch_to_tsquery(config, any_of(terms))
        in_workspace: ColumnElement[bool] = KnowledgeChunk.workspace_id == workspace_id
        return in_workspace & vector.bool_op("@@")(query)

    async def add(self, session: AsyncSession, chunks: Sequence[KnowledgeChunk]) -> None:  # noqa: ARG002 (the protocol's signature)
        return None

    async def remove(self, session: AsyncSession, chunk_ids: Sequence[uuid.UUID]) -> None:  # noqa: ARG002 (the protocol's signature)
        return None
