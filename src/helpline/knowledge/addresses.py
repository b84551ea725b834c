"""Choosing and keeping the slugs of articles and collections (their help-centre addresses).

A slug sent by the client must be free in the workspace (SlugTaken, 409); one derived from a
title or a name gets "-2", "-3", ... when taken. When two writers race for the same slug, the
unique index decides, and the savepoint keeps the caller's transaction usable after it."""

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.core.errors import Conflict
from helpline.knowledge.models import Article, Collection
from helpline.knowledge.repository import ArticleRepository, CollectionRepository
from helpline.knowledge.slugs import first_free, slugify


class SlugTaken(Conflict):
    default_detail = "Another article or collection in this workspace already has this slug."


def _kind(repository: ArticleRepository | CollectionRepository) -> str:
    return "article" if isinstance(repository, ArticleRepository) else "collection"


def slug_taken(kind: str, slug: str) -> SlugTaken:
    return SlugTaken(
        f"The slug '{slug}' is already used by another {kind} in this workspace: "
        "choose another one, or leave it out to have one made from the "
        f"{'title' if kind == 'article' else 'name'}."
    )


async def derived_slug(repository: ArticleRepository | CollectionRepository, text: str) -> str:
    """A free slug made from `text` (a title or a name)."""
    base = slugify(text, fallback=_kind(repository))
    taken = await repository.slugs_from(base)
    return first_free(base, taken.__contains__)


async def chosen_slug(
    repository: ArticleRepository | CollectionRepository, slug: str | None, text: str
) -> str:
    """The slug for a new article or collection: the one given, if free (SlugTaken
    otherwise), or one made from `text`, its title or name."""
    if slug is None:
        return await derived_slug(repository, text)
    await require_free(repository, slug, None)
    return slug


async def require_free(
    repository: ArticleRepository | CollectionRepository,
    slug: str,
    owner: Article | Collection | None,
) -> None:
    """SlugTaken unless `slug` is free or already `owner`'s."""
    holder = await repository.get_by_slug(slug)
    if holder is not None and holder is not owner:
        raise slug_taken(_kind(repository), slug)


async def save(session: AsyncSession, item: Article | Collection, *, new: bool) -> None:
    """Flush `item` (adding it when `new`); a slug taken meanwhile is SlugTaken."""
    kind = "article" if isinstance(item, Article) else "collection"
    try:
        async with session.begin_nested():
            if new:
                session.add(item)
            await session.flush()
    except IntegrityError as exc:
        if "slug" not in str(exc.orig):
            raise
        raise slug_taken(kind, item.slug) from exc
