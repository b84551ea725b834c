""" "Was this helpful?": help-centre readers' answers about an article, counted per article.

Anonymous and public, so it stores nothing about the reader; abuse is limited where the
answer comes in (helpcentre.routes: same-origin form posts, a small body, a rate limit)."""

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.core.ids import new_id
from helpline.knowledge.models import Article, ArticleFeedback, ArticleStatus
from helpline.knowledge.repository import FeedbackRepository


async def record_feedback(session: AsyncSession, article: Article, *, helpful: bool) -> None:
    """Count one answer for a published article (the caller found it published)."""
    if article.status != ArticleStatus.published:
        raise ValueError("Feedback is only taken on published articles.")
    session.add(
        ArticleFeedback(
            id=new_id(), workspace_id=article.workspace_id, article_id=article.id, helpful=helpful
        )
    )
    await session.flush()


async def counts(
    session: AsyncSession, workspace_id: uuid.UUID, article_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[int, int]]:
    """(helpful, unhelpful) per article of the workspace; (0, 0) for one with no answer."""
    found = await FeedbackRepository(session, workspace_id=workspace_id).counts(article_ids)
    return {article_id: found.get(article_id, (0, 0)) for article_id in article_ids}
