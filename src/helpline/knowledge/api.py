"""The knowledge base: FAQ entries, articles and collections, for members and API keys."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth.dependencies import WorkspaceAuth
from helpline.auth.principals import (
    ALL_ROLES,
    MANAGER_ROLES,
    ApiKeyPrincipal,
    MemberPrincipal,
    Scope,
)
from helpline.core.deps import RuntimeDep, SessionDep
from helpline.core.errors import BadRequest, NotFound, responses
from helpline.core.pagination import PageParamsDep
from helpline.core.schemas import Page
from helpline.knowledge import collections, embeddings, feedback, retrieval
from helpline.knowledge import service as knowledge
from helpline.knowledge.access import access_article, access_collection, access_faq
from helpline.knowledge.addresses import SlugTaken
from helpline.knowledge.models import Article
from helpline.knowledge.schemas import (
    ArticleCreate,
    ArticleRead,
    ArticleUpdate,
    CollectionCreate,
    CollectionRead,
    CollectionUpdate,
    FaqCreate,
    FaqRead,
    FaqUpdate,
    PassageRead,
)

router = APIRouter(prefix="/api/v1/knowledge", tags=["knowledge"])

Principal = MemberPrincipal | ApiKeyPrincipal
# Everyone reads the knowledge base (agents answer from it); owners and admins edit it.
KnowledgeReader = Annotated[Principal, Depends(WorkspaceAuth(ALL_ROLES, Scope.knowledge_read))]
KnowledgeWriter = Annotated[Principal, Depends(WorkspaceAuth(MANAGER_ROLES, Scope.knowledge_write))]

NOT_FOUND = responses(NotFound)
MAX_SEARCH_RESULTS = 20
ARTICLE_ERRORS = responses(SlugTaken, knowledge.UnknownCollection)


async def _article_reads(
    session: AsyncSession, principal: Principal, articles: list[Article]
) -> list[ArticleRead]:
    """ArticleRead with the feedback counts, counted for all `articles` at once."""
    counted = await feedback.counts(session, principal.workspace_id, [a.id for a in articles])
    reads = []
    for article in articles:
        helpful, unhelpful = counted[article.id]
        read = ArticleRead.model_validate(article)
        reads.append(
            read.model_copy(update={"helpful_count": helpful, "unhelpful_count": unhelpful})
        )
    return reads


async def _article_read(
    session: AsyncSession, principal: Principal, article: Article
) -> ArticleRead:
    return (await _article_reads(session, principal, [article]))[0]


@router.get("/faqs", responses=responses(BadRequest))
async def list_faqs(
    principal: KnowledgeReader, session: SessionDep, page: PageParamsDep
) -> Page[FaqRead]:
    """The workspace's FAQ entries, oldest first, a page at a time."""
    found, next_cursor = await knowledge.list_faqs(session, principal, page)
    return Page(items=[FaqRead.model_validate(f) for f in found], next_cursor=next_cursor)


@router.post("/faqs", status_code=status.HTTP_201_CREATED)
async def create_faq(body: FaqCreate, principal: KnowledgeWriter, session: SessionDep) -> FaqRead:
    """Add a FAQ entry; once published, the bot can answer with it."""
    faq = await knowledge.create_faq(
        session, principal, principal.workspace_id, **body.model_dump()
    )
    return FaqRead.model_validate(faq)


@router.get("/faqs/{faq_id}", responses=NOT_FOUND)
async def get_faq(faq_id: uuid.UUID, principal: KnowledgeReader, session: SessionDep) -> FaqRead:
    """One FAQ entry."""
    return FaqRead.model_validate(await access_faq(session, principal, faq_id))


@router.patch("/faqs/{faq_id}", responses=NOT_FOUND)
async def update_faq(
    faq_id: uuid.UUID, body: FaqUpdate, principal: KnowledgeWriter, session: SessionDep
) -> FaqRead:
    """Change a FAQ entry: only the fields sent change."""
    faq = await access_faq(session, principal, faq_id)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    return FaqRead.model_validate(
        await knowledge.update_faq(session, principal, faq, changes=changes)
    )


@router.delete("/faqs/{faq_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_faq(
    faq_id: uuid.UUID, principal: KnowledgeWriter, session: SessionDep
) -> Response:
    """Delete a FAQ entry; the bot stops using it at once."""
    await knowledge.delete_faq(session, principal, await access_faq(session, principal, faq_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/articles", responses=responses(BadRequest))
async def list_articles(
    principal: KnowledgeReader, session: SessionDep, page: PageParamsDep
) -> Page[ArticleRead]:
    """The workspace's articles, drafts included, oldest first, a page at a time."""
    found, next_cursor = await knowledge.list_articles(session, principal, page)
    return Page(items=await _article_reads(session, principal, found), next_cursor=next_cursor)


@router.post("/articles", status_code=status.HTTP_201_CREATED, responses=ARTICLE_ERRORS)
async def create_article(
    body: ArticleCreate, principal: KnowledgeWriter, session: SessionDep
) -> ArticleRead:
    """Add an article (markdown); drafts are never searched nor quoted by the bot, nor shown
    in the help centre. Without a slug, one is made from the title."""
    article = await knowledge.create_article(
        session, principal, principal.workspace_id, **body.model_dump()
    )
    return await _article_read(session, principal, article)


@router.get("/articles/{article_id}", responses=NOT_FOUND)
async def get_article(
    article_id: uuid.UUID, principal: KnowledgeReader, session: SessionDep
) -> ArticleRead:
    """One article, with its readers' "Was this helpful?" counts."""
    article = await access_article(session, principal, article_id)
    return await _article_read(session, principal, article)


@router.patch("/articles/{article_id}", responses={**NOT_FOUND, **ARTICLE_ERRORS})
async def update_article(
    article_id: uuid.UUID, body: ArticleUpdate, principal: KnowledgeWriter, session: SessionDep
) -> ArticleRead:
    """Change an article: only the fields sent change (`collection_id: null` takes it out of
    its collection). A new title keeps the slug; send `slug` to change the address."""
    article = await access_article(session, principal, article_id)
    sent = body.model_dump(exclude_unset=True)
    # null means "no collection" for collection_id; for the other fields it means "unchanged".
    changes = {k: v for k, v in sent.items() if v is not None or k == "collection_id"}
    article = await knowledge.update_article(session, principal, article, changes=changes)
    return await _article_read(session, principal, article)


@router.delete(
    "/articles/{article_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND
)
async def delete_article(
    article_id: uuid.UUID, principal: KnowledgeWriter, session: SessionDep
) -> Response:
    """Delete an article."""
    article = await access_article(session, principal, article_id)
    await knowledge.delete_article(session, principal, article)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/collections", responses=responses(BadRequest))
async def list_collections(
    principal: KnowledgeReader, session: SessionDep, page: PageParamsDep
) -> Page[CollectionRead]:
    """The workspace's collections (the sections of its help centre), oldest first."""
    found, next_cursor = await collections.list_collections(session, principal, page)
    return Page(items=[CollectionRead.model_validate(c) for c in found], next_cursor=next_cursor)


@router.post("/collections", status_code=status.HTTP_201_CREATED, responses=responses(SlugTaken))
async def create_collection(
    body: CollectionCreate, principal: KnowledgeWriter, session: SessionDep
) -> CollectionRead:
    """Add a collection; without a slug, one is made from the name."""
    collection = await collections.create_collection(
        session, principal, principal.workspace_id, **body.model_dump()
    )
    return CollectionRead.model_validate(collection)


@router.get("/collections/{collection_id}", responses=NOT_FOUND)
async def get_collection(
    collection_id: uuid.UUID, principal: KnowledgeReader, session: SessionDep
) -> CollectionRead:
    """One collection."""
    return CollectionRead.model_validate(await access_collection(session, principal, collection_id))


@router.patch("/collections/{collection_id}", responses=responses(NotFound, SlugTaken))
async def update_collection(
    collection_id: uuid.UUID,
    body: CollectionUpdate,
    principal: KnowledgeWriter,
    session: SessionDep,
) -> CollectionRead:
    """Change a collection: only the fields sent change; a new name keeps the slug."""
    collection = await access_collection(session, principal, collection_id)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    return CollectionRead.model_validate(
        await collections.update_collection(session, principal, collection, changes=changes)
    )


@router.delete(
    "/collections/{collection_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND
)
async def delete_collection(
    collection_id: uuid.UUID, principal: KnowledgeWriter, session: SessionDep
) -> Response:
    """Delete a collection; its articles stay, outside any collection."""
    collection = await access_collection(session, principal, collection_id)
    await collections.delete_collection(session, principal, collection)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/search")
async def search(
    principal: KnowledgeReader,
    session: SessionDep,
    runtime: RuntimeDep,
    q: Annotated[str, Query(min_length=1, max_length=1000, description="A question")],
    k: Annotated[int, Query(ge=1, le=MAX_SEARCH_RESULTS)] = 5,
) -> list[PassageRead]:
    """The published FAQ entries and article passages that best answer `q`, best first."""
    embedder = embeddings.for_answers(runtime.settings)
    passages = await retrieval.search(session, principal.workspace_id, q, k, embedder=embedder)
    return [PassageRead.model_validate(p) for p in passages]
