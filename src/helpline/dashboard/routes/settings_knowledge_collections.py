"""Collections (the sections of the help centre) on the knowledge base's settings pages
(owners and admins): list, create, rename, describe, order by position, delete (the articles
stay, in no collection), through knowledge/collections.py as knowledge/api.py does."""

import re
import uuid
from typing import Any, Final

from fastapi import APIRouter, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.core.deps import SessionDep
from helpline.core.errors import AppError
from helpline.dashboard.guards import Manager, ManagerWrite, Viewer
from helpline.dashboard.pages import PageRoute
from helpline.dashboard.routes.settings_base import (
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
    article_counts,
    require_free_slug,
)
from helpline.knowledge import collections
from helpline.knowledge.access import access_collection
from helpline.knowledge.models import Collection
from helpline.knowledge.repository import CollectionRepository
from helpline.knowledge.schemas import CollectionCreate, CollectionUpdate
from helpline.knowledge.slugs import SLUG_PATTERN

router = APIRouter(route_class=PageRoute, include_in_schema=False)

COLLECTIONS: Final = KNOWLEDGE + "/collections"
FIELD_LABELS: Final = {
    "name": "The name",
    "slug": "The address",
    "description": "The description",
    "position": "The position",
}


@router.get(COLLECTIONS)
async def collections_page(request: Request, session: SessionDep, viewer: Manager) -> Response:
    return await _list(request, session, viewer)


async def _list(
    request: Request, session: AsyncSession, viewer: Viewer, refusal: Refusal | None = None
) -> Response:
    workspace_id = viewer.principal.workspace_id
    context = {
        "collections": await CollectionRepository(session, workspace_id=workspace_id).in_order(),
        "counts": await article_counts(session, workspace_id),
        "tab": "collections",
    }
    return await settings_page(
        request,
        session,
        viewer,
        "settings/knowledge_collections.html",
        context,
        active="knowledge",
        refusal=refusal,
    )


def _checked(typed: dict[str, str], *, new: bool) -> dict[str, Any]:
    slug = typed["slug"]
    if slug and not re.fullmatch(SLUG_PATTERN, slug):
        raise InvalidInput(
            "The address may hold only lower-case letters a-z and digits, in words joined by "
            "single hyphens (for example shipping-and-delivery)."
        )
    values: dict[str, Any] = {
        "name": typed["name"],
        "description": typed["description"],
        "position": typed["position"] or "0",
    }
    # An empty address: made from the name for a new collection, unchanged otherwise.
    if slug or new:
        values["slug"] = slug or None
    return values


def _typed(name: str, slug: str, description: str, position: str) -> dict[str, str]:
    return {
        "name": name,
        "slug": slug.strip(),
        "description": description,
        "position": position.strip(),
    }


@router.post(COLLECTIONS)
async def create_collection(
    request: Request,
    session: SessionDep,
    viewer: ManagerWrite,
    name: Text = "",
    slug: Text = "",
    description: Text = "",
    position: Text = "",
) -> Response:
    typed = _typed(name, slug, description, position)
    workspace_id = viewer.principal.workspace_id
    try:
        values = validated(CollectionCreate, _checked(typed, new=True), FIELD_LABELS)
        await require_free_slug(session, workspace_id, values.slug, None, collection=True)
        await collections.create_collection(
            session, viewer.principal, workspace_id, **values.model_dump()
        )
    except AppError as error:
        refusal = await refuse(session, error, "collection", typed)
        return await _list(request, session, viewer, refusal)
    return saved(COLLECTIONS, "created")


async def _edit(
    request: Request,
    session: AsyncSession,
    viewer: Viewer,
    collection: Collection,
    refusal: Refusal | None = None,
) -> Response:
    counts = await article_counts(session, viewer.principal.workspace_id)
    context = {
        "collection": collection,
        "count": counts.get(collection.id, 0),
        "tab": "collections",
    }
    return await settings_page(
        request,
        session,
        viewer,
        "settings/knowledge_collection.html",
        context,
        active="knowledge",
        refusal=refusal,
    )


@router.get(COLLECTIONS + "/{collection_id}")
async def edit_collection_page(
    request: Request, session: SessionDep, viewer: Manager, collection_id: uuid.UUID
) -> Response:
    collection = await access_collection(session, viewer.principal, collection_id)
    return await _edit(request, session, viewer, collection)


@router.post(COLLECTIONS + "/{collection_id}")
async def update_collection(
    request: Request,
    session: SessionDep,
    viewer: ManagerWrite,
    collection_id: uuid.UUID,
    name: Text = "",
    slug: Text = "",
    description: Text = "",
    position: Text = "",
) -> Response:
    collection = await access_collection(session, viewer.principal, collection_id)
    typed = _typed(name, slug, description, position)
    workspace_id = viewer.principal.workspace_id
    try:
        values = validated(CollectionUpdate, _checked(typed, new=False), FIELD_LABELS)
        await require_free_slug(session, workspace_id, values.slug, collection, collection=True)
        changes = values.model_dump(exclude_unset=True, exclude_none=True)
        await collections.update_collection(session, viewer.principal, collection, changes=changes)
    except AppError as error:
        refusal = await refuse(session, error, "collection", typed)
        # The rollback expired the collection: read it again for the page.
        again = await access_collection(session, viewer.principal, collection_id)
        return await _edit(request, session, viewer, again, refusal)
    return saved(f"{COLLECTIONS}/{collection.id}")


@router.get(COLLECTIONS + "/{collection_id}/delete")
async def confirm_collection_deletion(
    request: Request, session: SessionDep, viewer: Manager, collection_id: uuid.UUID
) -> Response:
    collection = await access_collection(session, viewer.principal, collection_id)
    count = (await article_counts(session, viewer.principal.workspace_id)).get(collection.id, 0)
    articles = "1 article" if count == 1 else f"{count} articles"
    context = {
        "heading": "Delete a collection",
        "question": f"Delete the collection “{collection.name}”?",
        "consequence": (
            f"Its {articles} stay, in no collection (the help centre lists them on its home "
            "page); the collection's own page stops working."
        ),
        "action": f"{COLLECTIONS}/{collection.id}/delete",
        "button": "Delete",
        "back": f"{COLLECTIONS}/{collection.id}",
    }
    return await settings_page(
        request, session, viewer, "settings/confirm.html", context, active="knowledge"
    )


@router.post(COLLECTIONS + "/{collection_id}/delete")
async def delete_collection(
    session: SessionDep, viewer: ManagerWrite, collection_id: uuid.UUID
) -> Response:
    collection = await access_collection(session, viewer.principal, collection_id)
    await collections.delete_collection(session, viewer.principal, collection)
    return saved(COLLECTIONS, "deleted")
