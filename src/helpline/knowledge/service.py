"""Editing the knowledge base. Every change re-chunks what it changed, and updates the
full-text index, in the same transaction, so search never sees an entry and its chunks
disagree; unpublished content has no chunks at all. New chunks are embedded by the
knowledge.index_embeddings job, enqueued in that transaction (indexing.py); a deleted
chunk's vector goes with its row."""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.audit import service as audit
from helpline.auth.principals import WorkspacePrincipal
from helpline.core.errors import Unprocessable
from helpline.core.ids import new_id
from helpline.core.pagination import PageParams
from helpline.knowledge import addresses, chunking, classifier_training, indexing
from helpline.knowledge.models import (
    Article,
    ArticleStatus,
    FaqEntry,
    KnowledgeChunk,
    SourceKind,
)
from helpline.knowledge.repository import (
    ArticleRepository,
    ChunkRepository,
    CollectionRepository,
    FaqRepository,
)


class UnknownCollection(Unprocessable):
    default_detail = "The collection does not exist in this workspace."


async def list_faqs(
    session: AsyncSession, principal: WorkspacePrincipal, page: PageParams
) -> tuple[list[FaqEntry], str | None]:
    found, cursor = await FaqRepository(session, workspace_id=principal.workspace_id).page(page)
    return list(found), cursor


async def list_articles(
    session: AsyncSession, principal: WorkspacePrincipal, page: PageParams
) -> tuple[list[Article], str | None]:
    repository = ArticleRepository(session, workspace_id=principal.workspace_id)
    found, cursor = await repository.page(page)
    return list(found), cursor


async def create_faq(
    session: AsyncSession,
    principal: WorkspacePrincipal | None,
    workspace_id: uuid.UUID,
    *,
    question: str,
    answer: str,
    phrasings: list[str],
    tags: list[str],
    published: bool = True,
) -> FaqEntry:
    """`principal` None is the system (an import, a test); the workspace is then explicit."""
    faq = FaqEntry(
        id=new_id(),
        workspace_id=workspace_id,
        question=question,
        answer=answer,
        phrasings=phrasings,
        tags=tags,
        published=published,
    )
    session.add(faq)
    await session.flush()
    await _reindex_faq(session, faq)
    _audit(session, principal, faq.workspace_id, "knowledge.faq_created", faq.id)
    return faq


async def update_faq(
    session: AsyncSession,
    principal: WorkspacePrincipal | None,
    faq: FaqEntry,
    *,
    changes: dict[str, Any],
) -> FaqEntry:
    for name, value in changes.items():
        setattr(faq, name, value)
    await session.flush()
    await _reindex_faq(session, faq)
    _audit(session, principal, faq.workspace_id, "knowledge.faq_updated", faq.id)
    return faq


async def delete_faq(session: AsyncSession, principal: WorkspacePrincipal, faq: FaqEntry) -> None:
    chunks = ChunkRepository(session, workspace_id=faq.workspace_id)
    await chunks.remove_for(faq_id=faq.id, article_id=None)
    # No chunk is added, so no embedding job runs to request it (classifier_training).
    await classifier_training.request_training(session, faq.workspace_id)
    _audit(session, principal, faq.workspace_id, "knowledge.faq_deleted", faq.id)
    await session.delete(faq)
    await session.flush()


async def create_article(
    session: AsyncSession,
    principal: WorkspacePrincipal | None,
    workspace_id: uuid.UUID,
    *,
    title: str,
    body: str,
    status: ArticleStatus,
    locale: str,
    collection_id: uuid.UUID | None = None,
    slug: str | None = None,
) -> Article:
    """The slug is made from the title when not given (SlugTaken when a given one is used);
    UnknownCollection when `collection_id` is not one of the workspace's collections."""
    articles = ArticleRepository(session, workspace_id=workspace_id)
    await _require_collection(session, workspace_id, collection_id)
    slug = await addresses.chosen_slug(articles, slug, title)
    article = Article(
        id=new_id(),
        workspace_id=workspace_id,
        title=title,
        body=body,
        status=status,
        locale=locale,
        collection_id=collection_id,
        slug=slug,
    )
    await addresses.save(session, article, new=True)
    await _reindex_article(session, article)
    _audit(session, principal, article.workspace_id, "knowledge.article_created", article.id)
    return article


async def update_article(
    session: AsyncSession,
    principal: WorkspacePrincipal | None,
    article: Article,
    *,
    changes: dict[str, Any],
) -> Article:
    """A new title keeps the slug (links stay valid); only a slug sent changes it.
    `collection_id` None takes the article out of its collection."""
    if changes.get("collection_id") is not None:
        await _require_collection(session, article.workspace_id, changes["collection_id"])
    if changes.get("slug") is not None and changes["slug"] != article.slug:
        articles = ArticleRepository(session, workspace_id=article.workspace_id)
        await addresses.require_free(articles, changes["slug"], article)
    for name, value in changes.items():
        setattr(article, name, value)
    await addresses.save(session, article, new=False)
    await _reindex_article(session, article)
    _audit(session, principal, article.workspace_id, "knowledge.article_updated", article.id)
    return article


async def _require_collection(
    session: AsyncSession, workspace_id: uuid.UUID, collection_id: uuid.UUID | None
) -> None:
    if collection_id is None:
        return
    collections = CollectionRepository(session, workspace_id=workspace_id)
    if await collections.get(collection_id) is None:
        raise UnknownCollection(
            f"There is no collection {collection_id} in this workspace: create it first "
            "(POST /api/v1/knowledge/collections), or send collection_id null."
        )


async def delete_article(
    session: AsyncSession, principal: WorkspacePrincipal, article: Article
) -> None:
    chunks = ChunkRepository(session, workspace_id=article.workspace_id)
    await chunks.remove_for(faq_id=None, article_id=article.id)
    _audit(session, principal, article.workspace_id, "knowledge.article_deleted", article.id)
    await session.delete(article)
    await session.flush()


async def _reindex_faq(session: AsyncSession, faq: FaqEntry) -> None:
    chunks = ChunkRepository(session, workspace_id=faq.workspace_id)
    await chunks.remove_for(faq_id=faq.id, article_id=None)
    if faq.published:
        texts = chunking.faq_chunks(faq.question, [str(p) for p in faq.phrasings])
        await chunks.add_all(_chunks(faq, SourceKind.faq, texts))
        await indexing.request_indexing(session, faq.workspace_id)
    else:
        # Unpublished: its chunks are gone and no embedding job runs to request this.
        await classifier_training.request_training(session, faq.workspace_id)
    await session.flush()


async def _reindex_article(session: AsyncSession, article: Article) -> None:
    chunks = ChunkRepository(session, workspace_id=article.workspace_id)
    await chunks.remove_for(faq_id=None, article_id=article.id)
    if article.status == ArticleStatus.published:
        texts = chunking.article_chunks(article.title, article.body)
        await chunks.add_all(_chunks(article, SourceKind.article, texts))
        await indexing.request_indexing(session, article.workspace_id)
    await session.flush()


def _chunks(source: FaqEntry | Article, kind: SourceKind, texts: list[str]) -> list[KnowledgeChunk]:
    chunks = []
    for position, text in enumerate(texts):
        words = chunking.terms(text)
        chunks.append(
            KnowledgeChunk(
                id=new_id(),
                workspace_id=source.workspace_id,
                source_kind=kind,
                faq_id=source.id if kind == SourceKind.faq else None,
                article_id=source.id if kind == SourceKind.article else None,
                position=position,
                text=text,
                terms=f" {' '.join(words)} ",
                term_count=len(words),
            )
        )
    return chunks


def _audit(
    session: AsyncSession,
    principal: WorkspacePrincipal | None,
    workspace_id: uuid.UUID,
    action: str,
    target_id: uuid.UUID,
) -> None:
    target_type = "faq_entry" if "faq" in action else "article"
    audit.record(
        session,
        principal,
        workspace_id=workspace_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
    )
