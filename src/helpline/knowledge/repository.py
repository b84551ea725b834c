"""SQL for the knowledge base. Every statement is filtered by the workspace."""

import uuid
from collections.abc import Sequence

from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.core.pagination import PageParams, paginate
from helpline.core.repository import TenantRepository
from helpline.knowledge import fulltext
from helpline.knowledge.models import Article, ArticleStatus, FaqEntry, KnowledgeChunk

# (chunk id, faq id, article id, vector bytes)
VectorRow = tuple[uuid.UUID, uuid.UUID | None, uuid.UUID | None, bytes | None]


class FaqRepository(TenantRepository[FaqEntry]):
    model = FaqEntry

    async def page(self, params: PageParams) -> tuple[Sequence[FaqEntry], str | None]:
        return await paginate(
            self.session, self.base_statement(), id_column=FaqEntry.id, params=params
        )

    async def published_by_ids(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, FaqEntry]:
        statement = self.base_statement().where(FaqEntry.id.in_(ids), FaqEntry.published)
        return {faq.id: faq for faq in await self.session.scalars(statement)}


class ArticleRepository(TenantRepository[Article]):
    model = Article

    async def page(self, params: PageParams) -> tuple[Sequence[Article], str | None]:
        return await paginate(
            self.session, self.base_statement(), id_column=Article.id, params=params
        )

    async def published_by_ids(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Article]:
        statement = self.base_statement().where(
            Article.id.in_(ids), Article.status == ArticleStatus.published
        )
        return {article.id: article for article in await self.session.scalars(statement)}


class ChunkRepository(TenantRepository[KnowledgeChunk]):
    """Chunks and their full-text entries, written together (knowledge.fulltext)."""

    model = KnowledgeChunk

    async def add_all(self, chunks: Sequence[KnowledgeChunk]) -> None:
        self.session.add_all(chunks)
        await self.session.flush()
        await fulltext.for_session(self.session).add(self.session, chunks)

    async def remove_for(self, *, faq_id: uuid.UUID | None, article_id: uuid.UUID | None) -> None:
        source = (
            KnowledgeChunk.faq_id == faq_id
            if faq_id is not None
            else KnowledgeChunk.article_id == article_id
        )
        in_source = (KnowledgeChunk.workspace_id == self.workspace_id, source)
        ids = list(await self.session.scalars(select(KnowledgeChunk.id).where(*in_source)))
        await fulltext.for_session(self.session).remove(self.session, ids)
        await self.session.execute(delete(KnowledgeChunk).where(*in_source))

    async def statistics(self) -> tuple[int, float]:
        """How many chunks the workspace has and their mean length in terms (BM25's)."""
        columns = [
            func.count(KnowledgeChunk.id),
            func.coalesce(func.avg(KnowledgeChunk.term_count), 0),
        ]
        statement = select(*columns).where(KnowledgeChunk.workspace_id == self.workspace_id)
        row = (await self.session.execute(statement)).one()
        return int(row[0]), float(row[1])

    async def containing_any(self, terms: Sequence[str]) -> Sequence[KnowledgeChunk]:
        """Every chunk of the workspace that contains one of `terms`, found by the full-text
        index (so BM25's document frequencies can be counted from them exactly)."""
        condition = fulltext.for_session(self.session).matches_any(self.workspace_id, terms)
        statement: Select[KnowledgeChunk] = self.base_statement().where(condition)
        return (await self.session.scalars(statement)).all()

    async def needing_vectors(self, model: str, limit: int) -> Sequence[KnowledgeChunk]:
        """Chunks with no vector from `model` (new, changed, or embedded by another model)."""
        stale = or_(
            KnowledgeChunk.embedding_model.is_(None), KnowledgeChunk.embedding_model != model
        )
        statement = self.base_statement().where(stale).order_by(KnowledgeChunk.id).limit(limit)
        return (await self.session.scalars(statement)).all()

    async def vectors(self, model: str) -> list[VectorRow]:
        """(chunk id, faq id, article id, vector bytes) of the workspace's chunks embedded by
        `model`."""
        statement = select(
            KnowledgeChunk.id,
            KnowledgeChunk.faq_id,
            KnowledgeChunk.article_id,
            KnowledgeChunk.embedding,
        ).where(
            KnowledgeChunk.workspace_id == self.workspace_id,
            KnowledgeChunk.embedding_model == model,
        )
        return [(row[0], row[1], row[2], row[3]) for row in await self.session.execute(statement)]

    async def by_ids(self, ids: Sequence[uuid.UUID]) -> Sequence[KnowledgeChunk]:
        statement = self.base_statement().where(KnowledgeChunk.id.in_(ids))
        return (await self.session.scalars(statement)).all()

    async def vector_counts(self) -> tuple[int, int]:
        """(chunks, chunks with a vector) in the workspace."""
        statement = select(
            func.count(KnowledgeChunk.id), func.count(KnowledgeChunk.embedding_model)
        ).where(KnowledgeChunk.workspace_id == self.workspace_id)
        row = (await self.session.execute(statement)).one()
        return int(row[0]), int(row[1])


async def workspaces_with_chunks(session: AsyncSession) -> list[uuid.UUID]:
    """Every workspace that has knowledge: for `helpline knowledge reindex`, a system command
    that then works one workspace at a time through ChunkRepository."""
    statement = select(KnowledgeChunk.workspace_id).distinct()
    return list(await session.scalars(statement))
