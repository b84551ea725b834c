"""SQL for the knowledge base. Every statement is filtered by the workspace."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import String, case, cast, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from helpline.core.pagination import PageParams, paginate
from helpline.core.repository import TenantRepository
from helpline.knowledge import fulltext
from helpline.knowledge.models import (
    Article,
    ArticleFeedback,
    ArticleStatus,
    Collection,
    FaqEntry,
    KnowledgeChunk,
    SourceKind,
)
from helpline.knowledge.vectors import Fingerprint, VectorRow


@dataclass(frozen=True, slots=True)
class ChunkTerms:
    chunk_id: uuid.UUID
    # The FAQ entry's or the article's id.
    source_id: uuid.UUID
    is_faq: bool
    terms: str
    term_count: int


@dataclass(frozen=True, slots=True)
class ChunkStatistics:
    # BM25's: how many chunks the workspace has, and their mean length in terms.
    total: int
    mean_length: float
    # The vectors of the model asked for (knowledge.vectors).
    vectors: Fingerprint
    # How many of the chunks are articles' (retrieval skips full-text when the FAQ
    # classifier ranks the FAQ entries and there are none).
    article_chunks: int = 0


class FaqRepository(TenantRepository[FaqEntry]):
    model = FaqEntry

    async def page(self, params: PageParams) -> tuple[Sequence[FaqEntry], str | None]:
        return await paginate(
            self.session, self.base_statement(), id_column=FaqEntry.id, params=params
        )

    async def newest_asking(
        self, q: str | None, params: PageParams
    ) -> tuple[Sequence[FaqEntry], str | None]:
        """Entries whose question contains `q` (any case; all without it), newest first."""
        statement = self.base_statement()
        if q:
            statement = statement.where(FaqEntry.question.icontains(q, autoescape=True))
        return await paginate(
            self.session, statement, id_column=FaqEntry.id, params=params, newest_first=True
        )

    async def published_by_ids(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, FaqEntry]:
        statement = self.base_statement().where(FaqEntry.id.in_(ids), FaqEntry.published)
        return {faq.id: faq for faq in await self.session.scalars(statement)}


class CollectionRepository(TenantRepository[Collection]):
    model = Collection

    async def page(self, params: PageParams) -> tuple[Sequence[Collection], str | None]:
        return await paginate(
            self.session, self.base_statement(), id_column=Collection.id, params=params
        )

    async def get_by_slug(self, slug: str) -> Collection | None:
        statement = self.base_statement().where(Collection.slug == slug)
        return (await self.session.scalars(statement)).first()

    async def slugs_from(self, base: str) -> set[str]:
        """The slugs taken among `base`, `base-2`, `base-3`, ..."""
        return await _slugs_from(self.session, self.workspace_id, Collection, base)

    async def in_order(self) -> Sequence[Collection]:
        """Every collection, as the help centre lists them: by position, then name."""
        statement = self.base_statement().order_by(
            Collection.position, Collection.name, Collection.id
        )
        return (await self.session.scalars(statement)).all()


class ArticleRepository(TenantRepository[Article]):
    model = Article

    async def counts_by_collection(self) -> dict[uuid.UUID, int]:
        """How many articles (drafts included) each collection holds."""
        statement = (
            select(Article.collection_id, func.count(Article.id))
            .where(Article.workspace_id == self.workspace_id, Article.collection_id.is_not(None))
            .group_by(Article.collection_id)
        )
        rows = await self.session.execute(statement)
        return {collection_id: int(count) for collection_id, count in rows if collection_id}

    async def page(self, params: PageParams) -> tuple[Sequence[Article], str | None]:
        return await paginate(
            self.session, self.base_statement(), id_column=Article.id, params=params
        )

    async def newest_titled(
        self, q: str | None, params: PageParams
    ) -> tuple[Sequence[Article], str | None]:
        """Articles whose title contains `q` (any case; all without it), newest first."""
        statement = self.base_statement()
        if q:
            statement = statement.where(Article.title.icontains(q, autoescape=True))
        return await paginate(
            self.session, statement, id_column=Article.id, params=params, newest_first=True
        )

    async def get_by_slug(self, slug: str) -> Article | None:
        statement = self.base_statement().where(Article.slug == slug)
        return (await self.session.scalars(statement)).first()

    async def slugs_from(self, base: str) -> set[str]:
        """The slugs taken among `base`, `base-2`, `base-3`, ..."""
        return await _slugs_from(self.session, self.workspace_id, Article, base)

    async def published(self, *, collection_id: uuid.UUID | None = None) -> Sequence[Article]:
        """Published articles by title (of one collection when `collection_id` is given)."""
        statement = self.base_statement().where(Article.status == ArticleStatus.published)
        if collection_id is not None:
            statement = statement.where(Article.collection_id == collection_id)
        statement = statement.order_by(Article.title, Article.id)
        return (await self.session.scalars(statement)).all()

    async def published_by_ids(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Article]:
        statement = self.base_statement().where(
            Article.id.in_(ids), Article.status == ArticleStatus.published
        )
        return {article.id: article for article in await self.session.scalars(statement)}


class FeedbackRepository(TenantRepository[ArticleFeedback]):
    model = ArticleFeedback

    async def counts(self, article_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[int, int]]:
        """(helpful, unhelpful) answers per article; articles with none are left out."""
        if not article_ids:
            return {}
        statement = (
            select(
                ArticleFeedback.article_id,
                func.count(case((ArticleFeedback.helpful, 1))),
                func.count(case((~ArticleFeedback.helpful, 1))),
            )
            .where(
                ArticleFeedback.workspace_id == self.workspace_id,
                ArticleFeedback.article_id.in_(article_ids),
            )
            .group_by(ArticleFeedback.article_id)
        )
        return {
            article_id: (int(yes), int(no))
            for article_id, yes, no in await self.session.execute(statement)
        }


async def _slugs_from(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    model: type[Article] | type[Collection],
    base: str,
) -> set[str]:
    # A slug has no LIKE wildcard (only a-z, 0-9 and "-"), so `base` needs no escaping.
    statement = select(model.slug).where(
        model.workspace_id == workspace_id, or_(model.slug == base, model.slug.like(f"{base}-%"))
    )
    return set(await session.scalars(statement))


# Retrieval reads many chunks for their terms and text; their vectors (1.5 KB each) come from
# `vectors()`, once per workspace and process (knowledge.vectors).
_WITHOUT_VECTOR = defer(KnowledgeChunk.embedding, raiseload=True)


class ChunkRepository(TenantRepository[KnowledgeChunk]):
    """Chunks and their full-text entries, written together (knowledge.fulltext)."""

    model = KnowledgeChunk

    async def any_published(self) -> bool:
        """Whether the workspace has anything published: only published entries and
        articles have chunks, so one indexed probe tells."""
        found = self.base_statement().with_only_columns(KnowledgeChunk.id).limit(1)
        return (await self.session.scalar(found)) is not None

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

    async def statistics(self, model: str = "") -> ChunkStatistics:
        """BM25's counts and the fingerprint of the vectors of `model`, in one aggregate."""
        of_model = KnowledgeChunk.embedding_model == model
        columns = [
            func.count(KnowledgeChunk.id),
            func.coalesce(func.avg(KnowledgeChunk.term_count), 0),
            func.count(case((of_model, 1))),
            # Text, because PostgreSQL has no max(uuid).
            func.max(case((of_model, cast(KnowledgeChunk.id, String)))),
            func.coalesce(func.sum(case((of_model, KnowledgeChunk.term_count), else_=0)), 0),
            func.count(case((KnowledgeChunk.source_kind == SourceKind.article, 1))),
        ]
        statement = select(*columns).where(KnowledgeChunk.workspace_id == self.workspace_id)
        row = (await self.session.execute(statement)).one()
        newest = uuid.UUID(str(row[3])) if row[3] else None
        return ChunkStatistics(
            int(row[0]),
            float(row[1]),
            Fingerprint(int(row[2]), newest, int(row[4])),
            article_chunks=int(row[5]),
        )

    async def containing_any(
        self, terms: Sequence[str], *, articles_only: bool = False
    ) -> list[ChunkTerms]:
        """Every chunk of the workspace that contains one of `terms`, found by the full-text
        index (so BM25's document frequencies can be counted from them exactly). Columns,
        not objects: a common term finds thousands of chunks, and building ORM objects for
        them cost more than everything else in a search. `articles_only`: when the FAQ
        classifier ranks the FAQ entries (retrieval)."""
        condition = fulltext.for_session(self.session).matches_any(self.workspace_id, terms)
        statement = select(
            KnowledgeChunk.id,
            func.coalesce(KnowledgeChunk.faq_id, KnowledgeChunk.article_id),
            KnowledgeChunk.faq_id.is_not(None),
            KnowledgeChunk.terms,
            KnowledgeChunk.term_count,
        ).where(KnowledgeChunk.workspace_id == self.workspace_id, condition)
        if articles_only:
            statement = statement.where(KnowledgeChunk.source_kind == SourceKind.article)
        return [
            ChunkTerms(chunk_id, source_id, bool(is_faq), text, n)
            for chunk_id, source_id, is_faq, text, n in await self.session.execute(statement)
        ]

    async def needing_vectors(self, model: str, limit: int) -> Sequence[KnowledgeChunk]:
        """Chunks with no vector from `model` (new, changed, or embedded by another model)."""
        stale = or_(
            KnowledgeChunk.embedding_model.is_(None), KnowledgeChunk.embedding_model != model
        )
        statement = self.base_statement().where(stale).order_by(KnowledgeChunk.id).limit(limit)
        return (await self.session.scalars(statement)).all()

    async def vectors(self, model: str) -> list[VectorRow]:
        """The workspace's chunks embedded by `model`: id, source, term count, vector."""
        statement = select(
            KnowledgeChunk.id,
            KnowledgeChunk.faq_id,
            KnowledgeChunk.article_id,
            KnowledgeChunk.term_count,
            KnowledgeChunk.embedding,
        ).where(
            KnowledgeChunk.workspace_id == self.workspace_id,
            KnowledgeChunk.embedding_model == model,
        )
        return [
            VectorRow(chunk_id, faq_id or article_id or chunk_id, term_count, vector or b"")
            for chunk_id, faq_id, article_id, term_count, vector in await self.session.execute(
                statement
            )
        ]

    async def by_ids(self, ids: Sequence[uuid.UUID]) -> Sequence[KnowledgeChunk]:
        statement = self.base_statement().where(KnowledgeChunk.id.in_(ids)).options(_WITHOUT_VECTOR)
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
