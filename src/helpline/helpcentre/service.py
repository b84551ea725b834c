"""What the public help centre shows: a workspace's published articles and FAQ entries.

The workspace comes from the address (/help/<slug>/): the help centre is public, like the
widget's key, and shows only what the workspace published. Every read below goes through
the knowledge repositories built with that workspace's id, and filters on published, so a
draft, another workspace's article or an unknown slug is simply not found."""

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.knowledge import chunking, embeddings, retrieval
from helpline.knowledge.models import Article, ArticleStatus, Collection, SourceKind
from helpline.knowledge.repository import ArticleRepository, CollectionRepository, FaqRepository
from helpline.settings import Settings
from helpline.tenancy.models import Workspace, WorkspaceStatus
from helpline.tenancy.repository import WorkspaceLookup

DEFAULT_COLOUR: Final = "#2563eb"
_COLOUR: Final = re.compile(r"^#[0-9a-fA-F]{6}$")
SNIPPET_CHARS: Final = 200
DESCRIPTION_CHARS: Final = 160
MAX_SEARCH_RESULTS: Final = 10
MAX_QUERY_CHARS: Final = 200
# A source found by the embedding model alone (no word of the search in it) is shown when it
# is at least this close. The nearest sources come back for any search, nonsense included:
# with all-MiniLM-L6-v2, unrelated searches ("zzzz qqqq", "banana smoothie recipe") stay
# under 0.2 of the demo-like articles, paraphrases ("how long does delivery take" for
# "Shipping times", "can I send it back" for "Returns") reach 0.35 and more.
MIN_SEARCH_SIMILARITY: Final = 0.3


@dataclass(frozen=True, slots=True)
class Centre:
    """A workspace's help centre: what its pages need of the workspace."""

    workspace_id: uuid.UUID
    slug: str
    name: str
    colour: str
    locale: str

    @property
    def path(self) -> str:
        return f"/help/{self.slug}/"

    def article_path(self, article_slug: str) -> str:
        return f"/help/{self.slug}/articles/{article_slug}"

    def collection_path(self, collection_slug: str) -> str:
        return f"/help/{self.slug}/collections/{collection_slug}"


@dataclass(frozen=True, slots=True)
class Section:
    collection: Collection | None
    articles: list[Article]


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result: an article (with its address) or a FAQ entry (with its answer)."""

    kind: SourceKind
    title: str
    # A passage of the article, or the FAQ entry's whole answer; plain text.
    snippet: str
    # The article's help-centre path; None for a FAQ entry, which has no page of its own.
    path: str | None


def centre_of(workspace: Workspace) -> Centre:
    preferences = workspace.settings or {}
    colour = str(preferences.get("widget_color") or "")
    return Centre(
        workspace_id=workspace.id,
        slug=workspace.slug,
        name=str(preferences.get("widget_name") or "") or workspace.name,
        colour=colour if _COLOUR.match(colour) else DEFAULT_COLOUR,
        locale=str(preferences.get("locale") or "en"),
    )


async def find_centre(session: AsyncSession, workspace_slug: str) -> Centre | None:
    """The active workspace at /help/<workspace_slug>/, or None (a suspended one has none)."""
    workspace = await WorkspaceLookup(session).get_by_slug(workspace_slug)
    if workspace is None or workspace.status != WorkspaceStatus.active:
        return None
    return centre_of(workspace)


async def article_paths(
    session: AsyncSession, workspace_id: uuid.UUID, article_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """The help-centre paths of the published articles among `article_ids`, in this workspace
    (the links of the bot's citations)."""
    workspace = await WorkspaceLookup(session).get(workspace_id)
    if workspace is None or not article_ids:
        return {}
    centre = centre_of(workspace)
    articles = ArticleRepository(session, workspace_id=workspace_id)
    found = await articles.published_by_ids(article_ids)
    return {id_: centre.article_path(article.slug) for id_, article in found.items()}


async def sections(session: AsyncSession, centre: Centre) -> list[Section]:
    """The home page: each collection with its published articles (in the collections'
    order, empty ones left out), then the published articles in no collection."""
    collections = CollectionRepository(session, workspace_id=centre.workspace_id)
    articles = await ArticleRepository(session, workspace_id=centre.workspace_id).published()
    by_collection: dict[uuid.UUID | None, list[Article]] = {}
    for article in articles:
        by_collection.setdefault(article.collection_id, []).append(article)
    found = [
        Section(collection, by_collection[collection.id])
        for collection in await collections.in_order()
        if collection.id in by_collection
    ]
    if None in by_collection:
        found.append(Section(None, by_collection[None]))
    return found


async def collection_section(
    session: AsyncSession, centre: Centre, collection_slug: str
) -> Section | None:
    collections = CollectionRepository(session, workspace_id=centre.workspace_id)
    collection = await collections.get_by_slug(collection_slug)
    if collection is None:
        return None
    articles = ArticleRepository(session, workspace_id=centre.workspace_id)
    return Section(collection, list(await articles.published(collection_id=collection.id)))


async def published_article(
    session: AsyncSession, centre: Centre, article_slug: str
) -> tuple[Article, Collection | None] | None:
    """The published article at this slug, and its collection."""
    article = await ArticleRepository(session, workspace_id=centre.workspace_id).get_by_slug(
        article_slug
    )
    if article is None or article.status != ArticleStatus.published:
        return None
    collection = None
    if article.collection_id is not None:
        collections = CollectionRepository(session, workspace_id=centre.workspace_id)
        collection = await collections.get(article.collection_id)
    return article, collection


async def search(
    session: AsyncSession, settings: Settings, centre: Centre, query: str
) -> list[Hit]:
    """Published articles and FAQ entries for `query`, best first, by the bot's retrieval
    (knowledge.retrieval: full-text, fused with embeddings when they are on)."""
    text = query.strip()[:MAX_QUERY_CHARS]
    if not text:
        return []
    embedder = embeddings.for_answers(settings)
    found = await retrieval.search(
        session, centre.workspace_id, text, MAX_SEARCH_RESULTS, embedder=embedder
    )
    passages = [p for p in found if _matches(p)]
    article_ids = [p.source_id for p in passages if p.source_kind == SourceKind.article]
    faq_ids = [p.source_id for p in passages if p.source_kind == SourceKind.faq]
    articles = await ArticleRepository(session, workspace_id=centre.workspace_id).published_by_ids(
        article_ids
    )
    faqs = await FaqRepository(session, workspace_id=centre.workspace_id).published_by_ids(faq_ids)
    hits: list[Hit] = []
    for passage in passages:
        article = articles.get(passage.source_id)
        faq = faqs.get(passage.source_id)
        if article is not None:
            snippet = snippet_of(passage.text)
            path = centre.article_path(article.slug)
            hits.append(Hit(SourceKind.article, article.title, snippet, path))
        elif faq is not None:
            # A FAQ answer is short and has no page of its own: it is shown whole.
            hits.append(Hit(SourceKind.faq, faq.question, faq.answer, None))
    return hits


def _matches(passage: retrieval.Passage) -> bool:
    """A word of the search is in it, or the embedding model finds it close enough."""
    if passage.coverage > 0:
        return True
    return passage.similarity is not None and passage.similarity >= MIN_SEARCH_SIMILARITY


async def sitemap_entries(session: AsyncSession, centre: Centre) -> list[tuple[str, Article]]:
    """(path, article) for every published article."""
    articles = await ArticleRepository(session, workspace_id=centre.workspace_id).published()
    return [(centre.article_path(article.slug), article) for article in articles]


def snippet_of(text: str, limit: int = SNIPPET_CHARS) -> str:
    """A passage as a short plain line: an article chunk's first line (its title and
    heading, shown beside it already) dropped, cut at a word before `limit` characters."""
    _, newline, rest = text.partition("\n")
    words = " ".join((rest if newline else text).split())
    if len(words) <= limit:
        return words
    return words[: limit - 1].rsplit(" ", 1)[0] + "…"


def description_of(article: Article) -> str:
    """The article's meta description: its first words, without markdown."""
    chunks = chunking.article_chunks(article.title, article.body)
    return (snippet_of(chunks[0], DESCRIPTION_CHARS) if chunks else "") or article.title
