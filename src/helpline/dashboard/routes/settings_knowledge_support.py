"""What the knowledge base's settings pages share: their addresses, the collection chosen in a
form, and the refusal of a help-centre address that is already taken, in words that name
what holds it."""

import uuid
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.knowledge.addresses import SlugTaken
from helpline.knowledge.models import Article, Collection
from helpline.knowledge.repository import ArticleRepository, CollectionRepository
from helpline.knowledge.service import UnknownCollection

KNOWLEDGE: Final = "/app/settings/knowledge"
# H6's import page; linked from the lists.
IMPORT: Final = KNOWLEDGE + "/import"


async def chosen_collection(
    session: AsyncSession, workspace_id: uuid.UUID, chosen: str
) -> uuid.UUID | None:
    """The collection picked in a form ("" is none), or UnknownCollection: one missing and one
    of another workspace are refused alike."""
    if not chosen:
        return None
    try:
        collection_id = uuid.UUID(chosen)
    except ValueError:
        collection_id = None
    repository = CollectionRepository(session, workspace_id=workspace_id)
    if collection_id is None or await repository.get(collection_id) is None:
        raise UnknownCollection(
            "That collection does not exist (any more): choose one from the list, or none."
        )
    return collection_id


async def collection_names(session: AsyncSession, workspace_id: uuid.UUID) -> dict[uuid.UUID, str]:
    collections = await CollectionRepository(session, workspace_id=workspace_id).in_order()
    return {collection.id: collection.name for collection in collections}


async def article_counts(session: AsyncSession, workspace_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """How many articles (drafts included) each collection holds."""
    return await ArticleRepository(session, workspace_id=workspace_id).counts_by_collection()


async def require_free_slug(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    slug: str | None,
    owner: Article | Collection | None,
    *,
    collection: bool = False,
) -> None:
    """SlugTaken, naming the article (or collection) that has `slug`, unless it is free or
    `owner`'s. The service checks again (and the unique index decides a race)."""
    if not slug:
        return
    repository: ArticleRepository | CollectionRepository
    if collection:
        repository = CollectionRepository(session, workspace_id=workspace_id)
    else:
        repository = ArticleRepository(session, workspace_id=workspace_id)
    holder = await repository.get_by_slug(slug)
    if holder is None or holder is owner:
        return
    if isinstance(holder, Article):
        named = f"the article “{holder.title}”"
        source = "title"
    else:
        named = f"the collection “{holder.name}”"
        source = "name"
    # Left empty, a new one's address is made from its title or name (a free one).
    hint = f", or leave it empty to have one made from the {source}" if owner is None else ""
    raise SlugTaken(f"That address ({slug}) is already used by {named}: choose another one{hint}.")
