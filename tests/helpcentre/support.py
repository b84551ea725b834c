"""Helpers for help-centre tests: articles written through the service, and page addresses."""

from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.knowledge import service as knowledge
from helpline.knowledge.models import ArticleStatus
from tests.fixtures.world import Tenant


async def add_article(
    runtime: Runtime,
    tenant: Tenant,
    title: str,
    body: str,
    *,
    status: ArticleStatus = ArticleStatus.published,
    locale: str = "en",
    in_collection: bool = True,
) -> str:
    """The new article's slug."""
    async with unit_of_work(runtime.sessionmaker) as session:
        article = await knowledge.create_article(
            session,
            None,
            tenant.workspace.id,
            title=title,
            body=body,
            status=status,
            locale=locale,
            collection_id=tenant.collection.id if in_collection else None,
        )
        return article.slug


def home(tenant: Tenant) -> str:
    return f"/help/{tenant.workspace.slug}/"


def article_url(tenant: Tenant, slug: str) -> str:
    return f"/help/{tenant.workspace.slug}/articles/{slug}"
