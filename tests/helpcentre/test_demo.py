"""The demo workspace ships a small help centre, and its bot is on."""

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.cli.demo import _ensure_demo
from helpline.cli.demo_help_centre import COLLECTIONS, FAQ
from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.knowledge.models import Article, ArticleStatus, Collection, FaqEntry
from tests.cli.test_cli import cli_env, invoke

__all__ = ["cli_env"]


async def _count(session: AsyncSession, model: type[Article | Collection | FaqEntry]) -> int:
    return int((await session.execute(select(func.count(model.id)))).scalar_one())


async def test_the_demo_help_centre_is_added_once(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    for _ in range(2):
        async with unit_of_work(runtime.sessionmaker) as session:
            workspace = await _ensure_demo(runtime, session)

    async with runtime.sessionmaker() as session:
        collections = await _count(session, Collection)
        faqs = await _count(session, FaqEntry)
        published = await session.scalars(
            select(Article.slug).where(Article.status == ArticleStatus.published)
        )
        slugs = list(published)
    home = await client.get(f"/help/{workspace.slug}/")
    found = await client.get(f"/help/{workspace.slug}/search", params={"q": "refund"})

    assert workspace.settings["bot_enabled"] is True
    assert collections == len(COLLECTIONS) == 3
    assert faqs == len(FAQ) == 9
    assert len(slugs) == sum(len(c.articles) for c in COLLECTIONS) == 6
    assert home.status_code == 200
    for demo in COLLECTIONS:
        assert demo.name in home.text
    assert "When will I get my refund?" in found.text


async def test_the_demo_prints_its_help_centre(cli_env: dict[str, str], runtime: Runtime) -> None:
    output = await invoke(cli_env, "demo", "--no-serve")

    assert "Help centre: http://127.0.0.1:8000/help/demo/" in output
