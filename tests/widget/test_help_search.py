"""The widget's help screen in a real browser: from the greeting of a new conversation to the
home screen's search, which finds the workspace's published articles and FAQ entries (never
another workspace's), links each article to its help-centre page, and shows hostile titles
as text."""

from typing import Any

from playwright.async_api import Browser, expect

from helpline.tenancy.models import Role
from tests.fixtures.live import LiveServer
from tests.fixtures.world import Tenant, World
from tests.widget.test_browser import (
    WAIT_MS,
    XSS_CORPUS,
    agent_replies,
    browser,
    open_page,
    server,
    shop_url,
    visitor_sends,
    widget,
)

__all__ = ["browser", "server", "shop_url"]


async def publish(server: LiveServer, tenant: Tenant, **article: Any) -> dict[str, Any]:
    async with server.client() as http:
        response = await http.post(
            "/api/v1/knowledge/articles",
            json={"status": "published", **article},
            headers=tenant.member(Role.owner).headers,
        )
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created


async def test_a_visitor_finds_an_article_and_a_faq_answer_from_the_widget(
    browser: Browser, server: LiveServer, world: World, shop_url: str
) -> None:
    tracking = await publish(
        server, world.a, title="Tracking your parcel", body="Every parcel has a tracking link."
    )
    hostile = " ".join(XSS_CORPUS)
    await publish(server, world.a, title=f"Parcel {hostile}", body="Parcel notes.")
    await publish(server, world.b, title="Parcel secrets of B", body="Parcel tracking for B.")
    page, watched = await open_page(browser, shop_url)
    panel = widget(page)

    # A new visitor starts in the conversation; the greeting offers the help centre's search.
    find = panel.locator("button.find")
    await expect(find).to_have_text("Find an answer", timeout=WAIT_MS)
    await find.click()
    search = panel.get_by_role("searchbox", name="Find an answer")

    await search.fill("parcel tracking")
    results = panel.locator(".help .list li")
    first = results.locator("a.item").first
    await expect(first).to_contain_text("Tracking your parcel", timeout=WAIT_MS)
    # Addresses are built on the server's public URL (HELPLINE_PUBLIC_URL), as in emails.
    centre = f"{server.runtime.settings.public_url.rstrip('/')}/help/{world.a.workspace.slug}/"
    expected = f"{centre}articles/{tracking['slug']}"
    assert await first.get_attribute("href") == expected
    assert await first.get_attribute("target") == "_blank"
    assert await first.get_attribute("rel") == "noopener noreferrer"
    await expect(results.filter(has_text="Parcel <script>")).to_have_count(1)
    await expect(results.filter(has_text="secrets of B")).to_have_count(0)
    browse = panel.get_by_role("link", name="Browse the help centre")
    assert await browse.get_attribute("href") == centre

    # A FAQ entry answers in place (the world's opening-hours entry).
    await search.fill("when are you open")
    faq = results.locator("details.item")
    await expect(faq.locator("summary")).to_have_text(
        "What are the opening hours of A?", timeout=WAIT_MS
    )
    await faq.locator("summary").click()
    await expect(faq.locator("p")).to_be_visible()

    await search.fill("zzzz qqqq")
    await expect(panel.locator(".help [role=status]")).to_contain_text(
        "No articles match", timeout=WAIT_MS
    )

    # Nothing found is ever a dead end: the conversation is one click away.
    await panel.get_by_role("button", name="Start a conversation").click()
    await expect(panel.locator("textarea")).to_be_visible()
    assert watched.dialogs == []
    assert watched.errors == []
    assert await watched.csp_violations() == []


async def test_a_new_reply_redrawing_home_leaves_the_search_box_and_its_text_alone(
    browser: Browser, server: LiveServer, world: World, shop_url: str
) -> None:
    await publish(server, world.a, title="Tracking your parcel", body="Every parcel has a link.")
    page, _ = await open_page(browser, shop_url)
    panel = widget(page)
    await visitor_sends(page, "Where is my parcel?")
    await panel.locator("button.back").click()
    search = panel.get_by_role("searchbox", name="Find an answer")
    await search.press_sequentially("parc")

    # The team answers while the visitor types: home's list is drawn again with the reply.
    await agent_replies(server, world, "It is on its way.")
    await expect(panel.locator(".list .dot")).to_have_count(1, timeout=WAIT_MS)
    await page.keyboard.type("el")  # goes wherever the focus is now

    await expect(search).to_have_value("parcel")
    await expect(search).to_be_focused()
    await expect(panel.locator(".help .list li").first).to_contain_text(
        "Tracking your parcel", timeout=WAIT_MS
    )
