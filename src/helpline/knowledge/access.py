"""FAQ, article and collection ids from clients become objects only here, inside the caller's
workspace."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth.principals import WorkspacePrincipal
from helpline.core.errors import NotFound
from helpline.knowledge.models import Article, Collection, FaqEntry
from helpline.knowledge.repository import ArticleRepository, CollectionRepository, FaqRepository


async def access_faq(
    session: AsyncSession, principal: WorkspacePrincipal, faq_id: uuid.UUID
) -> FaqEntry:
    """The FAQ entry, or NotFound whether it is missing or another workspace's."""
    faq = await FaqRepository(session, workspace_id=principal.workspace_id).get(faq_id)
    if faq is None:
        raise NotFound("FAQ entry not found.")
    return faq


async def access_article(
    session: AsyncSession, principal: WorkspacePrincipal, article_id: uuid.UUID
) -> Article:
    """The article, or NotFound whether it is missing or another workspace's."""
    article = await ArticleRepository(session, workspace_id=principal.workspace_id).get(article_id)
    if article is None:
        raise NotFound("Article not found.")
    return article


async def access_collection(
    session: AsyncSession, principal: WorkspacePrincipal, collection_id: uuid.UUID
) -> Collection:
    """The collection, or NotFound whether it is missing or another workspace's."""
    repository = CollectionRepository(session, workspace_id=principal.workspace_id)
    collection = await repository.get(collection_id)
    if collection is None:
        raise NotFound("Collection not found.")
    return collection
