"""Editing collections, the sections of the help centre. Deleting one keeps its articles,
outside any collection (ON DELETE SET NULL). Every write is recorded in the audit log."""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.audit import service as audit
from helpline.auth.principals import WorkspacePrincipal
from helpline.core.ids import new_id
from helpline.core.pagination import PageParams
from helpline.knowledge import addresses
from helpline.knowledge.models import Collection
from helpline.knowledge.repository import CollectionRepository


async def list_collections(
    session: AsyncSession, principal: WorkspacePrincipal, page: PageParams
) -> tuple[list[Collection], str | None]:
    repository = CollectionRepository(session, workspace_id=principal.workspace_id)
    found, cursor = await repository.page(page)
    return list(found), cursor


async def create_collection(
    session: AsyncSession,
    principal: WorkspacePrincipal | None,
    workspace_id: uuid.UUID,
    *,
    name: str,
    slug: str | None = None,
    description: str = "",
    position: int = 0,
    locale: str = "en",
) -> Collection:
    """`principal` None is the system (the demo, a test). The slug is made from the name when
    not given; a given one that is used is SlugTaken."""
    collections = CollectionRepository(session, workspace_id=workspace_id)
    slug = await addresses.chosen_slug(collections, slug, name)
    collection = Collection(
        id=new_id(),
        workspace_id=workspace_id,
        name=name,
        slug=slug,
        description=description,
        position=position,
        locale=locale,
    )
    await addresses.save(session, collection, new=True)
    _audit(session, principal, collection, "knowledge.collection_created")
    return collection


async def update_collection(
    session: AsyncSession,
    principal: WorkspacePrincipal,
    collection: Collection,
    *,
    changes: dict[str, Any],
) -> Collection:
    """Only the fields in `changes` change; a new name keeps the slug."""
    if changes.get("slug") is not None and changes["slug"] != collection.slug:
        collections = CollectionRepository(session, workspace_id=collection.workspace_id)
        await addresses.require_free(collections, changes["slug"], collection)
    for name, value in changes.items():
        setattr(collection, name, value)
    await addresses.save(session, collection, new=False)
    _audit(session, principal, collection, "knowledge.collection_updated")
    return collection


async def delete_collection(
    session: AsyncSession, principal: WorkspacePrincipal, collection: Collection
) -> None:
    _audit(session, principal, collection, "knowledge.collection_deleted")
    await session.delete(collection)
    await session.flush()


def _audit(
    session: AsyncSession,
    principal: WorkspacePrincipal | None,
    collection: Collection,
    action: str,
) -> None:
    audit.record(
        session,
        principal,
        workspace_id=collection.workspace_id,
        action=action,
        target_type="collection",
        target_id=collection.id,
        data={"slug": collection.slug},
    )
