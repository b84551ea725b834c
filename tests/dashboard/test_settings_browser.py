"""The settings pages in a real browser (headless Chromium, driven by Playwright): the widget
preview follows the form before anything is saved, saving sticks, and every page is
screenshotted in light and dark (into the pytest basetemp, for people to look at)."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, Route

from helpline.settings import Settings
from helpline.tenancy.models import Role
from tests.dashboard.test_settings_pages import EVERYONE_PAGES, MANAGER_PAGES, SUPERVISOR_PAGES
from tests.fixtures.browser import browser
from tests.fixtures.live import LiveServer, live_server
from tests.fixtures.world import PASSWORD, TINY_PNG, World

__all__ = ["browser"]

WAIT_MS = 10_000
VIEWPORT = {"width": 1366, "height": 900}


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[LiveServer]:
    async with live_server(settings) as live:
        yield live


async def logged_in_page(
    browser: Browser, server: LiveServer, email: str
) -> tuple[Page, list[str]]:
    """A page logged in as `email`, and the script errors it reports (none expected)."""
    page = await browser.new_page(viewport=VIEWPORT)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Every file a page loads must exist (the browser's own favicon request aside).
    page.on(
        "response",
        lambda response: (
            errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico")
            else None
        ),
    )
    await page.goto(server.http_url + "/login?next=/app/settings")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url("**/app/settings/**", timeout=WAIT_MS)
    page.set_default_timeout(WAIT_MS)
    return page, errors


async def background_of(page: Page, selector: str) -> str:
    color: str = await page.eval_on_selector(
        selector, "(node) => getComputedStyle(node).backgroundColor"
    )
    return color


async def test_the_widget_preview_follows_the_form_and_saving_sticks(
    browser: Browser, server: LiveServer, world: World
) -> None:
    page, errors = await logged_in_page(browser, server, world.a.member(Role.owner).user.email)
    await page.goto(server.http_url + "/app/settings/widget")
    launcher = "[data-preview-launcher]"
    assert await background_of(page, launcher) == "rgb(37, 99, 235)"  # the default #2563eb

    await page.fill("input[name=widget_color]", "#0f766e")
    await page.fill("input[name=widget_name]", "Acme <b>Support</b>")
    # The preview changed, and nothing was saved.
    assert await background_of(page, launcher) == "rgb(15, 118, 110)"
    title = page.locator("[data-preview-title]")
    assert await title.text_content() == "Chat with Acme <b>Support</b>"
    assert await page.locator("[data-preview-title] b").count() == 0
    async with server.client() as http:
        before = await http.get("/api/v1/workspace", headers=world.a.member(Role.owner).headers)
    assert before.json()["settings"]["widget_color"] == "#2563eb"

    await page.check("input[name=widget_position][value=left]")
    await page.click("form[data-preview-form] button[type=submit]")
    await page.wait_for_url("**/app/settings/widget?saved=1")
    assert await page.locator(".alert-ok").text_content() == "Your changes are saved."
    assert await background_of(page, launcher) == "rgb(15, 118, 110)"
    assert await page.locator("[data-preview]").get_attribute("data-position") == "left"
    async with server.client() as http:
        after = await http.get("/api/v1/workspace", headers=world.a.member(Role.owner).headers)
    assert after.json()["settings"]["widget_color"] == "#0f766e"
    assert after.json()["settings"]["widget_position"] == "left"
    assert errors == []


async def test_the_preview_shows_the_logo_and_says_when_it_does_not_load(
    browser: Browser, server: LiveServer, world: World
) -> None:
    page, errors = await logged_in_page(browser, server, world.a.member(Role.owner).user.email)

    # The logo's host, answered by the browser itself: nothing leaves the machine.
    async def logo_host(route: Route) -> None:
        if route.request.url.endswith("/logo.png"):
            await route.fulfill(status=200, content_type="image/png", body=TINY_PNG)
        else:
            await route.fulfill(status=200, content_type="text/plain", body="not an image")

    await page.route("https://cdn.acme.example/**", logo_host)
    await page.goto(server.http_url + "/app/settings/widget")
    logo = page.locator("[data-preview-logo]")
    avatar = page.locator("[data-preview-avatar]")
    broken = page.locator("[data-preview-logo-status]")
    assert await logo.is_hidden()
    assert await avatar.is_visible()

    await page.fill("input[name=widget_logo_url]", "https://cdn.acme.example/logo.png")
    await logo.wait_for(state="visible")
    # Loaded, so the page's Content Security Policy let it in.
    await page.wait_for_function(
        "() => { const img = document.querySelector('[data-preview-logo]');"
        " return img.complete && img.naturalWidth === 1; }"
    )
    assert await avatar.is_hidden()
    assert await broken.is_hidden()

    await page.fill("input[name=widget_logo_url]", "https://cdn.acme.example/page.html")
    await broken.wait_for(state="visible")
    assert await logo.is_hidden()
    assert await avatar.is_visible()
    # Not https: never loaded, nothing to say.
    await page.fill("input[name=widget_logo_url]", "http://cdn.acme.example/logo.png")
    await broken.wait_for(state="hidden")
    assert await logo.get_attribute("src") is None

    await page.fill("input[name=widget_logo_url]", "https://cdn.acme.example/logo.png")
    await page.click("form[data-preview-form] button[type=submit]")
    await page.wait_for_url("**/app/settings/widget?saved=1")
    await logo.wait_for(state="visible")
    async with server.client() as http:
        config = await http.get(f"/api/v1/widget/config/{world.a.workspace.public_key}")
    assert config.json()["logo_url"] == "https://cdn.acme.example/logo.png"
    assert errors == []


async def test_screenshots_of_every_settings_page_in_light_and_dark(
    browser: Browser, server: LiveServer, world: World, tmp_path_factory: pytest.TempPathFactory
) -> None:
    shots = tmp_path_factory.mktemp("settings-screenshots")
    # A workspace in use, so the pages show what people will see.
    nine_to_five = [{"start": "09:00", "end": "12:30"}, {"start": "13:30", "end": "17:30"}]
    settings = {
        "widget_origins": ["https://www.a.example"],
        "labels": [
            {"name": "billing", "color": "green"},
            {"name": "bug", "color": "red"},
            {"name": "feature request", "color": "indigo"},
            {"name": "vip", "color": "yellow"},
        ],
        "business_hours": {
            "enabled": True,
            **dict.fromkeys(("monday", "tuesday", "wednesday", "thursday"), nine_to_five),
            "friday": [{"start": "09:00", "end": "16:00"}],
        },
        "offline_message": "We are away right now. Leave a message and we answer by email.",
    }
    async with server.client() as http:
        seeded = await http.patch(
            "/api/v1/workspace",
            json={"settings": settings},
            headers=world.a.member(Role.owner).headers,
        )
        assert seeded.status_code == 200, seeded.text
    page, errors = await logged_in_page(browser, server, world.a.member(Role.owner).user.email)
    paths = (*MANAGER_PAGES, *SUPERVISOR_PAGES, *EVERYONE_PAGES)
    for scheme in ("light", "dark"):
        await page.emulate_media(color_scheme=scheme)
        for path in paths:
            response = await page.goto(server.http_url + path)
            assert response is not None, path
            assert response.status == 200, path
            name = path.removeprefix("/app/settings/").replace("/", "-")
            await page.screenshot(path=str(shots / f"{name}-{scheme}.png"), full_page=True)
    assert errors == []
    taken = await asyncio.to_thread(lambda: list(Path(shots).glob("*.png")))
    assert len(taken) == 2 * len(paths)
