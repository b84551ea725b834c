"""SQL for the knowledge base. Every statement is filtered by the workspace."""

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, delete, func, or_, select

from helpline.core.pagination import PageParams, paginate
from helpline.core.repository import TenantRepository
from helpline.knowledge.models import Article, ArticleStatus, FaqEntry, KnowledgeChunk


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


def _has_term(term: str) -> ColumnElement[bool]:
    # Terms are made of letters, digits and apostrophes (chunking.terms): nothing to escape.
    return KnowledgeChunk.terms.contains(f" {term} ")


class ChunkRepository(TenantRepository[KnowledgeChunk]):
    model = KnowledgeChunk

    async def remove_for(self, *, faq_id: uuid.UUID | None, article_id: uuid.UUID | None) -> None:
        source = (
            KnowledgeChunk.faq_id == faq_id
            if faq_id is not None
            else KnowledgeChunk.article_id == article_id
        )
        await self.session.execute(
            delete(KnowledgeChunk).where(KnowledgeChunk.workspace_id == self.workspace_id, source)
        )

    async def statistics(self, terms: Sequence[str]) -> tuple[int, float, list[int]]:
        """How many chunks the workspace has, their mean length in terms, and how many
        contain each of `terms` (BM25's document frequencies), in one statement."""
        columns = [
            func.count(KnowledgeChunk.id),
            func.coalesce(func.avg(KnowledgeChunk.term_count), 0),
            *(func.count(KnowledgeChunk.id).filter(_has_term(term)) for term in terms),
        ]
        statement = select(*columns).where(KnowledgeChunk.workspace_id == self.workspace_id)
        row = (await self.session.execute(statement)).one()
        return int(row[0]), float(row[1]), [int(value) for value in row[2:]]

    async def containing_any(self, terms: Sequence[str]) -> Sequence[KnowledgeChunk]:
        statement: Select[KnowledgeChunk] = self.base_statement().where(
            or_(*(_has_term(term) for term in terms))
        )
        return (await self.session.scalars(statement)).all()
