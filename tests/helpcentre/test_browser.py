"""The help centre in a real browser (headless Chromium, driven by Playwright): a reader
opens the home page, searches, opens an article and says it helped, with no JavaScript of
ours, under the pages' strict policy (no CSP violation), and nothing loaded from elsewhere."""

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Request
from sqlalchemy import select

from helpline.core.unit_of_work import unit_of_work
from helpline.knowledge import service as knowledge
from helpline.knowledge.models import ArticleFeedback, ArticleStatus
from helpline.settings import Settings
from tests.fixtures.api import scalars
from tests.fixtures.browser import browser
from tests.fixtures.live import LiveServer, live_server
from tests.fixtures.world import World
from tests.widget.test_browser import WAIT_MS, watch

__all__ = ["browser"]

RETURNS = (
    "## Sending an item back\n\nYou have **30 days** to send parcels back. "
    "[Our carrier](https://carrier.example/returns)\n\n"
    "![A map from elsewhere](https://cdn.example/map.png)"
)


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[LiveServer]:
    async with live_server(settings) as live:
        yield live


async def test_a_reader_searches_reads_and_votes(
    browser: Browser, server: LiveServer, world: World
) -> None:
    async with unit_of_work(server.app.state.runtime.sessionmaker) as session:
        await knowledge.create_article(
            session,
            None,
            world.a.workspace.id,
            title="Returns",
            body=RETURNS,
            status=ArticleStatus.published,
            locale="en",
            collection_id=world.a.collection.id,
        )
    page = await browser.new_page(java_script_enabled=True)
    watched = await watch(page)
    requested: list[str] = []

    def record(request: Request) -> None:
        requested.append(request.url)

    page.on("request", record)

    await page.goto(f"{server.http_url}/help/{world.a.workspace.slug}/")
    assert await page.title() == "Workspace A · Help centre"
    await page.get_by_role("link", name="Shipping times").wait_for(timeout=WAIT_MS)

    await page.get_by_role("searchbox").fill("send parcels back")
    await page.get_by_role("button", name="Search").click()
    await page.get_by_role("heading", name="Results for “send parcels back”").wait_for(
        timeout=WAIT_MS
    )
    await page.get_by_role("link", name="Returns").click()

    await page.get_by_role("heading", name="Returns", exact=True).wait_for(timeout=WAIT_MS)
    assert await page.locator("article strong").inner_text() == "30 days"
    carrier = page.get_by_role("link", name="Our carrier")
    assert await carrier.get_attribute("rel") == "noopener noreferrer nofollow"
    # The outside image is a link to it, not an image.
    assert await page.locator("article img").count() == 0
    await page.get_by_role("link", name="A map from elsewhere").wait_for(timeout=WAIT_MS)

    await page.get_by_role("button", name="Yes").click()
    await page.get_by_text("Thank you for your feedback.").wait_for(timeout=WAIT_MS)

    stored = await scalars(server.app.state.runtime, select(ArticleFeedback.helpful))
    assert stored == [True]
    assert await watched.csp_violations() == []
    assert watched.errors == []
    assert watched.dialogs == []
    elsewhere = [url for url in requested if not url.startswith(server.http_url)]
    assert elsewhere == []
