"""SQLite: an FTS5 table beside the chunks, written with them by the knowledge repository.

It stores its own copy of `terms` with the chunk and workspace ids. An external-content table
would need a stable integer key, and knowledge_chunks has a UUID key (its implicit rowid may
change on VACUUM); a contentless one cannot delete rows before SQLite 3.43 nor return the
chunk id before 3.48. The rowid is derived from the chunk id, so deleting an entry is a rowid
lookup, not a scan.
"""

import uuid
from collections.abc import Sequence
from typing import Final

from sqlalchemy import ColumnElement, Integer, Text, Uuid, column, delete, insert, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.knowledge.fulltext.query import any_of
from helpline.knowledge.models import KnowledgeChunk

FTS_TABLE: Final = "knowledge_chunks_fts"

fts = table(
    FTS_TABLE,
    column("rowid", Integer()),
    column("terms", Text()),
    column("chunk_id", Uuid()),
    column("workspace_id", Uuid()),
)


def fts_rowid(chunk_id: uuid.UUID) -> int:
    """The chunk id's 62 random bits (core.ids.new_id: the high bits are a timestamp, shared
    by the chunks of one entry): a positive SQLite integer. A collision would fail the insert
    loudly (rowids are unique), never mix two chunks up."""
    return chunk_id.int & ((1 << 62) - 1)


class SqliteFullText:
    def matches_any(self, workspace_id: uuid.UUID, terms: Sequence[str]) -> ColumnElement[bool]:
        matching = select(fts.c.chunk_id).where(
            fts.c.terms.match(any_of(terms)), fts.c.workspace_id == workspace_id
        )
        return KnowledgeChunk.id.in_(matching)

    async def add(self, session: AsyncSession, chunks: Sequence[KnowledgeChunk]) -> None:
        if not chunks:
            return
        rows = [
            {
                "rowid": fts_rowid(c.id),
                "terms": c.terms,
                "chunk_id": c.id,
                "workspace_id": c.workspace_id,
            }
            for c in chunks
        ]
        await session.execute(insert(fts), rows)

    async def remove(self, session: AsyncSession, chunk_ids: Sequence[uuid.UUID]) -> None:
        if chunk_ids:
            rowids = [fts_rowid(i) for i in chunk_ids]
            await session.execute(delete(fts).where(fts.c.rowid.in_(rowids)))
