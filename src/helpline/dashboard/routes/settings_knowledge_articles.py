"""Articles on the knowledge base's settings pages (owners and admins): the editor, whose
Preview shows the markdown as the help centre renders it (helpcentre/markdown.py) and saves
nothing, and deletion. Saving goes through the knowledge service as knowledge/api.py does
(same checks, same audit)."""

import re
import uuid
from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.core.deps import SessionDep
from helpline.core.errors import AppError
from helpline.dashboard.guards import Manager, ManagerWrite, Viewer
from helpline.dashboard.pages import PageRoute
from helpline.dashboard.routes.settings_base import (
    FormValues,
    InvalidInput,
    Refusal,
    Text,
    refuse,
    saved,
    settings_page,
    validated,
)
from helpline.dashboard.routes.settings_knowledge_support import (
    KNOWLEDGE,
    chosen_collection,
    require_free_slug,
)
from helpline.helpcentre import markdown
from helpline.helpcentre.service import centre_of
from helpline.knowledge import service as knowledge
from helpline.knowledge.access import access_article
from helpline.knowledge.models import Article, ArticleStatus
from helpline.knowledge.repository import CollectionRepository
from helpline.knowledge.schemas import (
    LOCALE_PATTERN,
    MAX_ARTICLE_CHARS,
    ArticleCreate,
    ArticleUpdate,
)
from helpline.knowledge.slugs import SLUG_PATTERN
from helpline.tenancy import service as tenancy

router = APIRouter(route_class=PageRoute, include_in_schema=False)

ARTICLES: Final = KNOWLEDGE + "/articles"
FIELD_LABELS: Final = {
    "title": "The title",
    "body": "The text",
    "slug": "The address",
    "locale": "The language",
    "status": "The status",
}
# Twice the schema's bound, so that a text a little too long is explained by the page
# (validated) rather than refused before it is read.
Body = Annotated[str, Form(max_length=2 * MAX_ARTICLE_CHARS)]


async def _editor(
    request: Request,
    session: AsyncSession,
    viewer: Viewer,
    article: Article | None,
    *,
    refusal: Refusal | None = None,
    preview: dict[str, str] | None = None,
) -> Response:
    """The editor of `article` (None: a new one). `preview`: what was typed, shown again with
    its body rendered as the help centre would, nothing saved."""
    workspace = await tenancy.get_workspace(session, viewer.principal.workspace_id)
    collections = CollectionRepository(session, workspace_id=workspace.id)
    context: dict[str, Any] = {
        "article": article,
        "collections": await collections.in_order(),
        "public_path": (
            centre_of(workspace).article_path(article.slug)
            if article is not None and article.status == ArticleStatus.published
            else None
        ),
        "rendered": markdown.render(preview["body"]) if preview is not None else None,
    }
    if preview is not None:
        # The typed values fill the form as a refused one's would, with no message.
        context["typed"] = FormValues(Refusal("article", "", preview, 200))
    return await settings_page(
        request,
        session,
        viewer,
        "settings/knowledge_article.html",
        context,
        active="knowledge",
        refusal=refusal,
    )


def _checked(typed: dict[str, str], *, new: bool) -> dict[str, Any]:
    """The form's values as the REST API takes them, or InvalidInput with a sentence."""
    slug, locale = typed["slug"], typed["locale"]
    if slug and not re.fullmatch(SLUG_PATTERN, slug):
        raise InvalidInput(
            "The address may hold only lower-case letters a-z and digits, in words joined by "
            "single hyphens (for example shipping-times)."
        )
    if not re.fullmatch(LOCALE_PATTERN, locale):
        raise InvalidInput("The language must be a code such as en, fr or fr-CA.")
    values: dict[str, Any] = {
        "title": typed["title"],
        "body": typed["body"],
        "status": typed["status"],
        "locale": locale,
    }
    # An empty address: made from the title for a new article, unchanged for one that has one.
    if slug or new:
        values["slug"] = slug or None
    return values


def _typed(
    title: str, slug: str, collection: str, locale: str, status: str, body: str
) -> dict[str, str]:
    return {
        "title": title,
        "slug": slug.strip(),
        "collection": collection,
        "locale": locale.strip() or "en",
        "status": status,
        "body": body,
    }


@router.get(ARTICLES + "/new")
async def new_article_page(request: Request, session: SessionDep, viewer: Manager) -> Response:
    return await _editor(request, session, viewer, None)


# The collection's form field is "collection", not "collection_id": an unknown one is the
# form's mistake (a 422 that says so, keeping the text), not an id to resolve as a 404.
@router.post(ARTICLES)
async def create_article(
    request: Request,
    session: SessionDep,
    viewer: ManagerWrite,
    title: Text = "",
    slug: Text = "",
    collection: Text = "",
    locale: Text = "en",
    status: Text = "draft",
    body: Body = "",
    action: Text = "save",
) -> Response:
    typed = _typed(title, slug, collection, locale, status, body)
    if action == "preview":
        return await _editor(request, session, viewer, None, preview=typed)
    workspace_id = viewer.principal.workspace_id
    try:
        values = _checked(typed, new=True)
        values["collection_id"] = await chosen_collection(session, workspace_id, collection)
        checked = validated(ArticleCreate, values, FIELD_LABELS)
        await require_free_slug(session, workspace_id, checked.slug, None)
        article = await knowledge.create_article(
            session, viewer.principal, workspace_id, **checked.model_dump()
        )
    except AppError as error:
        refusal = await refuse(session, error, "article", typed)
        return await _editor(request, session, viewer, None, refusal=refusal)
    return saved(f"{ARTICLES}/{article.id}", "created")


@router.get(ARTICLES + "/{article_id}")
async def edit_article_page(
    request: Request, session: SessionDep, viewer: Manager, article_id: uuid.UUID
) -> Response:
    article = await access_article(session, viewer.principal, article_id)
    return await _editor(request, session, viewer, article)


@router.post(ARTICLES + "/{article_id}")
async def update_article(
    request: Request,
    session: SessionDep,
    viewer: ManagerWrite,
    article_id: uuid.UUID,
    title: Text = "",
    slug: Text = "",
    collection: Text = "",
    locale: Text = "en",
    status: Text = "draft",
    body: Body = "",
    action: Text = "save",
) -> Response:
    article = await access_article(session, viewer.principal, article_id)
    typed = _typed(title, slug, collection, locale, status, body)
    if action == "preview":
        return await _editor(request, session, viewer, article, preview=typed)
    workspace_id = viewer.principal.workspace_id
    try:
        values = _checked(typed, new=False)
        values["collection_id"] = await chosen_collection(session, workspace_id, collection)
        checked = validated(ArticleUpdate, values, FIELD_LABELS)
        changes = checked.model_dump(exclude_unset=True)
        await require_free_slug(session, workspace_id, checked.slug, article)
        await knowledge.update_article(session, viewer.principal, article, changes=changes)
    except AppError as error:
        refusal = await refuse(session, error, "article", typed)
        # The rollback expired the article: read it again for the page.
        again = await access_article(session, viewer.principal, article_id)
        return await _editor(request, session, viewer, again, refusal=refusal)
    return saved(f"{ARTICLES}/{article.id}")


@router.get(ARTICLES + "/{article_id}/delete")
async def confirm_article_deletion(
    request: Request, session: SessionDep, viewer: Manager, article_id: uuid.UUID
) -> Response:
    article = await access_article(session, viewer.principal, article_id)
    consequence = "The bot no longer answers with it."
    if article.status == ArticleStatus.published:
        consequence = (
            f"Its help-centre page (/articles/{article.slug}) stops working, and the bot no "
            "longer answers with it."
        )
    context = {
        "heading": "Delete an article",
        "question": f"Delete the article “{article.title}”?",
        "consequence": consequence + " Readers' “Was this helpful?” answers go with it.",
        "action": f"{ARTICLES}/{article.id}/delete",
        "button": "Delete",
        "back": f"{ARTICLES}/{article.id}",
    }
    return await settings_page(
        request, session, viewer, "settings/confirm.html", context, active="knowledge"
    )


@router.post(ARTICLES + "/{article_id}/delete")
async def delete_article(
    session: SessionDep, viewer: ManagerWrite, article_id: uuid.UUID
) -> Response:
    article = await access_article(session, viewer.principal, article_id)
    await knowledge.delete_article(session, viewer.principal, article)
    return saved(KNOWLEDGE, "deleted")
