"""A bot answer's sources in a real browser: with the offline default (no language model), the
bot answers from the workspace's article, and under the answer the widget on another origin
and the agents' dashboard both link "[1] <title>" to the article's page in the help centre,
which opens."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from helpline.core.runtime import Runtime
from helpline.tenancy.models import Role
from tests.bot.support import enable_bot
from tests.conftest import make_settings
from tests.fixtures.live import LiveServer, live_server
from tests.fixtures.world import PASSWORD, World
from tests.widget.test_browser import WAIT_MS, browser, demo_site, open_page, visitor_sends, widget

__all__ = ["browser"]


@pytest.fixture
async def server(migrated: Path, runtime: Runtime) -> AsyncIterator[LiveServer]:
    """A live server running its own job worker, as `helpline serve` does, with no model."""
    async with live_server(make_settings(migrated, run_jobs_in_web=True)) as live:
        yield live


@pytest.fixture
async def shop_url(server: LiveServer, runtime: Runtime, world: World) -> AsyncIterator[str]:
    async with demo_site(server.http_url, world) as url:
        await enable_bot(runtime, world.a)
        yield url


async def test_the_answer_links_its_article_in_the_widget_and_the_dashboard(
    browser: Browser, server: LiveServer, world: World, shop_url: str
) -> None:
    page, watched = await open_page(browser, shop_url)
    await visitor_sends(page, "How long does shipping to Europe take?")

    article = world.a.article
    path = f"/help/{world.a.workspace.slug}/articles/{article.slug}"
    source = widget(page).locator("li.msg.theirs .sources a")
    await expect(source).to_have_text(f"[1] {article.title}", timeout=WAIT_MS)
    assert await source.get_attribute("href") == server.http_url + path
    assert await source.get_attribute("rel") == "noopener noreferrer"
    async with page.context.expect_page() as opened:
        await source.click()
    help_page = await opened.value
    await expect(help_page.locator("h1")).to_have_text(article.title, timeout=WAIT_MS)
    assert watched.errors == []
    assert watched.dialogs == []

    dashboard = await browser.new_page()
    await dashboard.goto(server.http_url + "/login")
    await dashboard.get_by_label("Email").fill(world.a.member(Role.admin).user.email)
    await dashboard.get_by_label("Password").fill(PASSWORD)
    await dashboard.get_by_role("button", name="Log in").click()
    await dashboard.wait_for_url(server.http_url + "/app", timeout=WAIT_MS)
    async with server.client() as http:
        listed = await http.get("/api/v1/conversations", headers=world.a.member(Role.admin).headers)
    [conversation] = [
        c["id"] for c in listed.json()["items"] if c["id"] != str(world.a.conversation.id)
    ]
    await dashboard.goto(f"{server.http_url}/app/conversations/{conversation}")
    cited = dashboard.locator("[data-timeline] .message-sources a")
    await expect(cited).to_have_text(f"[1] {article.title}", timeout=WAIT_MS)
    assert await cited.get_attribute("href") == path
