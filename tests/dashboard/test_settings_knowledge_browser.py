"""The knowledge base's editor in a real browser (headless Chromium, driven by Playwright): an
admin writes an article, previews it (nothing saved), publishes it, and readers find it on the
public help centre; no script error and no Content-Security-Policy violation on the way."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page

from helpline.settings import Settings
from helpline.tenancy.models import Role
from tests.fixtures.browser import browser
from tests.fixtures.live import LiveServer, live_server
from tests.fixtures.world import PASSWORD, World
from tests.widget.test_browser import WAIT_MS, Watch, watch

__all__ = ["browser"]

BODY = (
    "## Sending an item back\n\n"
    "You have **30 days** to send parcels back.\n\n"
    "<script>window.__xss = 1</script>\n\n"
    "[Our carrier](https://carrier.example/returns)"
)


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[LiveServer]:
    async with live_server(settings) as live:
        yield live


async def log_in(page: Page, server: LiveServer, email: str) -> None:
    await page.goto(server.http_url + "/login?next=/app/settings/knowledge")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url("**/app/settings/knowledge", timeout=WAIT_MS)


async def no_trouble(watched: Watch, failed: list[str]) -> None:
    assert await watched.csp_violations() == []
    # A failed load is in `failed` with its address (the browser's own favicon request aside).
    assert [e for e in watched.errors if not e.startswith("Failed to load resource")] == []
    assert failed == []
    assert watched.dialogs == []
    assert await watched.page.evaluate("window.__xss") is None


async def test_an_admin_writes_previews_and_publishes_an_article(
    browser: Browser, server: LiveServer, world: World, tmp_path: Path
) -> None:
    page = await browser.new_page(viewport={"width": 1366, "height": 900})
    page.set_default_timeout(WAIT_MS)
    watched = await watch(page)
    failed: list[str] = []
    page.on(
        "response",
        lambda response: (
            failed.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico")
            else None
        ),
    )
    await log_in(page, server, world.a.member(Role.admin).user.email)
    await page.get_by_role("link", name="Shipping times").wait_for()
    await no_trouble(watched, failed)

    await page.get_by_role("link", name="New article").click()
    await page.get_by_label("Title", exact=True).fill("Returns")
    await page.get_by_label("Collection").select_option(label="Shipping")
    await page.get_by_label("Text (markdown)").fill(BODY)
    await page.get_by_role("button", name="Preview").click()

    preview = page.locator(".kb-rendered")
    await preview.get_by_role("heading", name="Sending an item back").wait_for()
    assert await preview.locator("strong").inner_text() == "30 days"
    assert await preview.locator("script").count() == 0
    assert "<script>window.__xss = 1</script>" in await preview.inner_text()
    carrier = preview.get_by_role("link", name="Our carrier")
    assert await carrier.get_attribute("rel") == "noopener noreferrer nofollow"
    # What was typed is still in the form, and nothing is saved yet.
    assert await page.get_by_label("Title", exact=True).input_value() == "Returns"
    assert await page.get_by_label("Text (markdown)").input_value() == BODY
    async with server.client() as http:
        listed = await http.get(
            "/api/v1/knowledge/articles", headers=world.a.member(Role.admin).headers
        )
    assert "Returns" not in [a["title"] for a in listed.json()["items"]]
    await no_trouble(watched, failed)
    # For people to look at (in the pytest basetemp).
    await page.screenshot(path=tmp_path / "knowledge-preview.png", full_page=True)

    await page.get_by_label("Status").select_option("published")
    await page.get_by_role("button", name="Save").click()
    await page.wait_for_url("**?saved=created")
    assert await page.locator(".alert-ok").inner_text() == "Created."
    public = page.get_by_role("link", name="View in help centre")
    path = await public.get_attribute("href")
    assert path == f"/help/{world.a.workspace.slug}/articles/returns"
    await no_trouble(watched, failed)

    await page.goto(server.http_url + path)
    await page.get_by_role("heading", name="Returns", exact=True).wait_for()
    assert await page.locator("article strong").inner_text() == "30 days"
    await page.goto(f"{server.http_url}/help/{world.a.workspace.slug}/")
    await page.get_by_role("link", name="Returns").wait_for()
    await no_trouble(watched, failed)
