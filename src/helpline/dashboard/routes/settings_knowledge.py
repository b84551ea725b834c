"""The knowledge base's settings pages (owners and admins, who may write it over REST): the
list of articles here; the article editor in settings_knowledge_articles.py, FAQ entries and
collections in settings_knowledge_faqs.py and settings_knowledge_collections.py. Every write
goes through the knowledge services, as knowledge/api.py does (same checks, same audit)."""

from typing import Annotated, Final

from fastapi import APIRouter, Query, Request, Response

from helpline.core.deps import SessionDep
from helpline.core.pagination import PageParams, decode_cursor
from helpline.dashboard.guards import Manager
from helpline.dashboard.pages import PageRoute
from helpline.dashboard.routes.settings_base import settings_page
from helpline.dashboard.routes.settings_knowledge_articles import router as articles_router
from helpline.dashboard.routes.settings_knowledge_collections import (
    router as collections_router,
)
from helpline.dashboard.routes.settings_knowledge_faqs import router as faqs_router
from helpline.dashboard.routes.settings_knowledge_support import KNOWLEDGE, collection_names
from helpline.knowledge import feedback
from helpline.knowledge.repository import ArticleRepository

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE: Final = 50
Search = Annotated[str | None, Query(max_length=200)]
Cursor = Annotated[str | None, Query(max_length=100)]


@router.get(KNOWLEDGE)
async def articles_page(
    request: Request, session: SessionDep, viewer: Manager, q: Search = None, cursor: Cursor = None
) -> Response:
    workspace_id = viewer.principal.workspace_id
    articles = ArticleRepository(session, workspace_id=workspace_id)
    page = PageParams(cursor=decode_cursor(cursor) if cursor else None, limit=PAGE_SIZE)
    found, next_cursor = await articles.newest_titled(q, page)
    context = {
        "articles": found,
        "votes": await feedback.counts(session, workspace_id, [a.id for a in found]),
        "collection_names": await collection_names(session, workspace_id),
        "next_cursor": next_cursor,
        "q": q or "",
        "paged": bool(cursor),
        "tab": "articles",
    }
    return await settings_page(
        request, session, viewer, "settings/knowledge.html", context, active="knowledge"
    )


# Listed one by one, not with include_router: this FastAPI includes routers lazily, so their
# routes would not be in `router.routes`, where the page sweep looks for every page.
KNOWLEDGE_ROUTERS = (router, articles_router, faqs_router, collections_router)
