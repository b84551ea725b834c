"""The widget's screens in a real browser (headless Chromium): the pre-chat form, the offline
form outside business hours, the rating after resolution, the home screen of a returning
visitor, files with hostile names, the workspace's logo; and screenshots of every screen in
English and Arabic (right to left), light and dark, saved under the pytest basetemp in
widget-screenshots/<language>-<theme>/."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, Route

from helpline.tenancy.models import Role
from tests.fixtures.live import LiveServer
from tests.fixtures.world import TINY_PNG, World
from tests.widget.test_browser import (
    WAIT_MS,
    XSS_CORPUS,
    Watch,
    browser,
    server,
    shop_url,
    visitor_sends,
    watch,
    widget,
)

__all__ = ["browser", "server", "shop_url"]

PRECHAT = {
    "enabled": True,
    "fields": [
        {"key": "name", "label": "Your name", "kind": "name", "required": True},
        {"key": "email", "label": "Email", "kind": "email", "required": True},
        {"key": "order_number", "label": "Order number", "kind": "text", "required": False},
    ],
}
CLOSED = {"enabled": True}  # no opening hours on any day: always closed
VIEWPORT = {"width": 900, "height": 760}


async def configure(server: LiveServer, world: World, **settings: Any) -> None:
    async with server.client() as http:
        response = await http.patch(
            "/api/v1/workspace",
            json={"settings": settings},
            headers=world.a.member(Role.owner).headers,
        )
        assert response.status_code == 200, response.text


async def agent(server: LiveServer, world: World, method: str, path: str, **kw: Any) -> Any:
    async with server.client() as http:
        response = await http.request(
            method, f"/api/v1{path}", headers=world.a.member(Role.agent).headers, **kw
        )
        assert response.status_code < 300, response.text
        return response.json()


async def browser_conversation(server: LiveServer, world: World) -> dict[str, Any]:
    """The newest widget conversation that is not the world's own."""
    listed = await agent(server, world, "GET", "/conversations")
    found: list[dict[str, Any]] = [
        c
        for c in listed["items"]
        if c["channel"] == "widget" and c["id"] != str(world.a.conversation.id)
    ]
    assert found, listed
    return found[0]


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    ctx = await browser.new_context(viewport=VIEWPORT)
    yield ctx
    await ctx.close()


async def visit(context: BrowserContext, url: str) -> tuple[Page, Watch]:
    page = await context.new_page()
    watched = await watch(page)
    await page.goto(url)
    await widget(page).locator("button.launcher").wait_for(timeout=WAIT_MS)
    return page, watched


async def open_widget(page: Page) -> None:
    await widget(page).locator("button.launcher").click()
    await widget(page).locator("section.panel").wait_for(timeout=WAIT_MS)


async def test_a_visitor_fills_the_prechat_form_then_chats(
    server: LiveServer,
    world: World,
    shop_url: str,
    context: BrowserContext,
) -> None:
    await configure(server, world, widget_prechat=PRECHAT)
    page, _ = await visit(context, shop_url)
    await open_widget(page)
    form = widget(page).locator(".prechat form")
    await form.wait_for(timeout=WAIT_MS)

    await form.locator("button[type=submit]").click()
    errors = form.locator("p.error")
    assert await errors.all_inner_texts() == ["Your name is required.", "Email is required."]
    await form.locator("[name=name]").fill("Ada Lovelace")
    await form.locator("[name=email]").fill("ada@")
    await form.locator("button[type=submit]").click()
    assert await errors.all_inner_texts() == ["Enter a valid email address, like name@example.com."]
    await form.locator("[name=email]").fill("ada@example.com")
    await form.locator("[name=order_number]").fill("A-1042")
    await form.locator("button[type=submit]").click()

    await widget(page).locator(".chat textarea").wait_for(timeout=WAIT_MS)
    await visitor_sends(page, "Hello, about my order")
    conversation = await browser_conversation(server, world)
    assert conversation["contact"]["name"] == "Ada Lovelace"
    assert conversation["contact"]["email"] == "ada@example.com"
    contact = await agent(server, world, "GET", f"/contacts/{conversation['contact']['id']}")
    assert contact["attributes"]["order_number"] == "A-1042"


async def test_outside_business_hours_the_offline_form_leaves_a_conversation(
    server: LiveServer,
    world: World,
    shop_url: str,
    context: BrowserContext,
) -> None:
    await configure(
        server, world, business_hours=CLOSED, offline_message="We answer Monday to Friday."
    )
    page, _ = await visit(context, shop_url)
    await open_widget(page)
    offline = widget(page).locator(".offline")
    await offline.locator("form").wait_for(timeout=WAIT_MS)
    assert "We answer Monday to Friday." in await offline.inner_text()

    await offline.locator("[name=email]").fill("grace@example.com")
    await offline.locator("[name=body]").fill("Can I return boots bought last week?")
    await offline.locator("button[type=submit]").click()

    sent = widget(page).locator(".sent")
    await sent.get_by_text("We will reply by email to grace@example.com").wait_for(timeout=WAIT_MS)
    conversation = await browser_conversation(server, world)
    assert conversation["labels"] == ["offline"]
    assert conversation["contact"]["email"] == "grace@example.com"
    messages = await agent(server, world, "GET", f"/conversations/{conversation['id']}/messages")
    assert [m["body"] for m in messages["items"] if not m["event"]] == [
        "Can I return boots bought last week?"
    ]


async def test_a_resolved_conversation_is_rated_and_a_returning_visitor_finds_it(
    server: LiveServer,
    world: World,
    shop_url: str,
    context: BrowserContext,
) -> None:
    page, _ = await visit(context, shop_url)
    await open_widget(page)
    await visitor_sends(page, "My tent has a hole")
    conversation = await browser_conversation(server, world)
    path = f"/conversations/{conversation['id']}"
    await agent(server, world, "POST", f"{path}/messages", json={"body": "We will send a patch."})
    await agent(server, world, "PATCH", path, json={"status": "resolved"})

    rating = widget(page).locator(".rating")
    await rating.get_by_text("How was this conversation?").wait_for(timeout=WAIT_MS)
    await rating.get_by_role("radio", name="4 out of 5").click()
    await rating.locator("textarea").fill("Quick and kind.")
    # A reply while the visitor rates (it does not reopen the conversation) leaves the card
    # as they filled it in.
    await agent(server, world, "POST", f"{path}/messages", json={"body": "Anything else?"})
    await widget(page).locator("li.msg").filter(has_text="Anything else?").wait_for(timeout=WAIT_MS)
    assert await rating.get_by_role("radio", name="4 out of 5").get_attribute("aria-checked") == (
        "true"
    )
    assert await rating.locator("textarea").input_value() == "Quick and kind."
    await rating.get_by_role("button", name="Send rating").click()
    await rating.get_by_text("Thanks for your feedback!").wait_for(timeout=WAIT_MS)

    read = await agent(server, world, "GET", path)
    assert read["csat"]["rating"] == 4
    assert read["csat"]["comment"] == "Quick and kind."

    # Reloaded mid-conversation: the same conversation, rated.
    await page.reload()
    await open_widget(page)
    await (
        widget(page)
        .locator("li.msg")
        .filter(has_text="We will send a patch.")
        .wait_for(timeout=WAIT_MS)
    )
    await rating.get_by_text("Thanks for your feedback!").wait_for(timeout=WAIT_MS)
    # Home lists it; a new reply there shows as unread.
    await widget(page).locator("button.back").click()
    item = widget(page).locator(".home button.item")
    await item.first.wait_for(timeout=WAIT_MS)
    await agent(server, world, "POST", f"{path}/messages", json={"body": "Patch shipped!"})
    await item.filter(has_text="Patch shipped!").locator(".dot").wait_for(timeout=WAIT_MS)
    await item.first.click()
    await widget(page).locator("li.msg").filter(has_text="Patch shipped!").wait_for(timeout=WAIT_MS)


async def test_files_are_uploaded_with_progress_and_hostile_names_run_nothing(
    server: LiveServer,
    world: World,
    shop_url: str,
    context: BrowserContext,
) -> None:
    hostile = XSS_CORPUS[1]  # <img src=x onerror=alert('img')>
    await configure(server, world, widget_name=XSS_CORPUS[2], widget_greeting=XSS_CORPUS[0])
    page, watched = await visit(context, shop_url)
    await open_widget(page)
    await visitor_sends(page, "A photo of the damage")
    conversation = await browser_conversation(server, world)
    async with server.client() as http:
        named = await http.patch(
            "/api/v1/widget/me",
            json={"name": XSS_CORPUS[3]},
            headers=world.a.visitor_headers,
        )
        assert named.status_code == 200, named.text

    await (
        widget(page)
        .locator("input[type=file]")
        .set_input_files({"name": f"{hostile}.png", "mimeType": "image/png", "buffer": TINY_PNG})
    )
    chip = widget(page).locator("li.msg.mine button.file")
    await chip.first.wait_for(timeout=WAIT_MS)
    upload = await agent(
        server,
        world,
        "POST",
        f"/conversations/{conversation['id']}/attachments",
        files={"file": (f"{XSS_CORPUS[2]}.png", TINY_PNG, "image/png")},
    )
    await agent(
        server,
        world,
        "POST",
        f"/conversations/{conversation['id']}/messages",
        json={"body": "", "attachment_ids": [upload["id"]]},
    )
    await widget(page).locator("li.msg.theirs button.file").first.wait_for(timeout=WAIT_MS)
    messages = await agent(server, world, "GET", f"/conversations/{conversation['id']}/messages")
    names = [a["filename"] for m in messages["items"] for a in m["attachments"]]
    # The server keeps the names, with markup characters made harmless for file systems.
    assert len(names) == 2
    assert "onerror=alert" in names[0]
    shown = await widget(page).locator("button.file").all_inner_texts()
    assert [text.startswith(name) for text, name in zip(shown, names, strict=True)] == [True] * 2

    found = await page.evaluate(
        """() => {
          const root = document.querySelector('[data-helpline-widget]').shadowRoot;
          const all = [...root.querySelectorAll('*')];
          return {
            tags: all.map(e => e.tagName.toLowerCase())
                     .filter(t => ['script', 'img', 'iframe', 'object', 'embed'].includes(t)),
            handlers: all.flatMap(e => [...e.attributes].map(a => a.name))
                         .filter(n => n.startsWith('on')),
            title: root.querySelector('h2').textContent,
          };
        }"""
    )
    assert found == {"tags": [], "handlers": [], "title": f"Chat with {XSS_CORPUS[2]}"}
    assert watched.dialogs == []
    assert await watched.csp_violations() == []


# --- the logo --------------------------------------------------------------------------

LOGO_URL = "https://cdn.acme-outdoor.example/brand/logo.svg"
# A tent on a white tile: what a shop's logo looks like. Served to the browser by Playwright
# under LOGO_URL (nothing leaves the machine); an SVG in an <img> runs no script.
LOGO_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
    b'<rect width="64" height="64" rx="14" fill="#fff"/>'
    b'<path d="M32 12 56 52H8Z" fill="#15803d"/><path d="M32 32 41 52H23Z" fill="#fff"/></svg>'
)


async def serve_logo(context: BrowserContext) -> None:
    async def logo(route: Route) -> None:
        await route.fulfill(status=200, content_type="image/svg+xml", body=LOGO_SVG)

    await context.route(LOGO_URL, logo)


async def test_the_header_shows_the_workspace_logo(
    server: LiveServer,
    world: World,
    shop_url: str,
    context: BrowserContext,
) -> None:
    await configure(server, world, widget_logo_url=LOGO_URL)
    await serve_logo(context)
    page, watched = await visit(context, shop_url)
    await open_widget(page)
    logo = widget(page).locator("header img.logo")
    await logo.wait_for(timeout=WAIT_MS)
    # Loaded (the page's policy allows https images), decorative, and sent no referrer.
    await page.wait_for_function(
        """() => {
          const img = document.querySelector('[data-helpline-widget]').shadowRoot
            .querySelector('header img.logo');
          return img.complete && img.naturalWidth > 0;
        }""",
        timeout=WAIT_MS,
    )
    assert await logo.evaluate("(img) => [img.src, img.alt, img.referrerPolicy]") == [
        LOGO_URL,
        "",
        "no-referrer",
    ]
    assert await watched.csp_violations() == []

    # An address that loads no image leaves no broken image behind.
    broken = "https://cdn.acme-outdoor.example/missing.png"
    await configure(server, world, widget_logo_url=broken)

    async def not_found(route: Route) -> None:
        await route.fulfill(status=404, content_type="text/plain", body="gone")

    await context.route(broken, not_found)
    await page.reload()
    await open_widget(page)
    await (
        widget(page).locator("header img.logo[hidden]").wait_for(state="attached", timeout=WAIT_MS)
    )
    assert await widget(page).locator("header img.logo").get_attribute("src") == broken
    assert watched.dialogs == []


# --- screenshots -----------------------------------------------------------------------

# Each screen in English and Arabic (right to left), light and dark.
VARIANTS = {
    f"{language}-{theme}": {"theme": theme, "locale": locale}
    for language, locale in (("en", "en-US"), ("ar", "ar"))
    for theme in ("light", "dark")
}
SCREENS = (
    "1-launcher",
    "2-prechat",
    "3-conversation",
    "4-rating",
    "5-rated",
    "6-home",
    "7-offline",
    "8-offline-sent",
)


async def shoot(page: Page, folder: Path, name: str) -> None:
    # The pointer rests off the widget, so no hover effect shows (the context asks for reduced
    # motion: no entrance animation either, and nothing to wait for).
    await page.mouse.move(1, 1)
    await page.screenshot(path=folder / f"{name}.png")


@pytest.mark.parametrize("variant", sorted(VARIANTS))
async def test_screenshots_of_every_screen(
    server: LiveServer,
    world: World,
    shop_url: str,
    browser: Browser,
    tmp_path_factory: pytest.TempPathFactory,
    variant: str,
) -> None:
    theme, locale = VARIANTS[variant]["theme"], VARIANTS[variant]["locale"]
    folder = tmp_path_factory.getbasetemp() / "widget-screenshots" / variant
    folder.mkdir(parents=True, exist_ok=True)
    await configure(
        server,
        world,
        widget_theme=theme,
        widget_name="Acme Outdoor",
        widget_color="#15803d",
        widget_logo_url=LOGO_URL,
        widget_prechat=PRECHAT,
    )
    options: dict[str, Any] = {"viewport": VIEWPORT, "locale": locale, "reduced_motion": "reduce"}
    ctx = await browser.new_context(**options)
    await serve_logo(ctx)
    try:
        page, watched = await visit(ctx, shop_url)
        await shoot(page, folder, "1-launcher")
        await open_widget(page)
        form = widget(page).locator(".prechat form")
        await form.wait_for(timeout=WAIT_MS)
        await shoot(page, folder, "2-prechat")
        await form.locator("[name=name]").fill("Ada Lovelace")
        await form.locator("[name=email]").fill("ada@example.com")
        await form.locator("button[type=submit]").click()
        await visitor_sends(page, "Hello! Do the Alpine boots come in size 44?")
        conversation = await browser_conversation(server, world)
        path = f"/conversations/{conversation['id']}"
        reply = "Yes, they do: https://shop.example/boots/alpine"
        await agent(server, world, "POST", f"{path}/messages", json={"body": reply})
        await (
            widget(page)
            .locator("li.msg.theirs")
            .filter(has_text="Alpine")
            .wait_for(timeout=WAIT_MS)
        )
        await shoot(page, folder, "3-conversation")
        await agent(server, world, "PATCH", path, json={"status": "resolved"})
        rating = widget(page).locator(".rating")
        await rating.locator(".stars").wait_for(timeout=WAIT_MS)
        await shoot(page, folder, "4-rating")
        await rating.locator(".stars button").nth(4).click()
        await rating.locator("textarea").fill("Quick and kind.")
        await rating.locator("button.primary").click()
        await rating.locator(".rated").wait_for(timeout=WAIT_MS)
        await shoot(page, folder, "5-rated")
        await widget(page).locator("button.back").click()
        await widget(page).locator(".home button.item").first.wait_for(timeout=WAIT_MS)
        await shoot(page, folder, "6-home")
        assert await watched.csp_violations() == []
        await configure(server, world, business_hours=CLOSED)
        offline_ctx = await browser.new_context(**options)
        await serve_logo(offline_ctx)
        try:
            offline, _ = await visit(offline_ctx, shop_url)
            await open_widget(offline)
            away = widget(offline).locator(".offline form")
            await away.wait_for(timeout=WAIT_MS)
            await shoot(offline, folder, "7-offline")
            await away.locator("[name=email]").fill("grace@example.com")
            await away.locator("[name=body]").fill("Can I return boots bought last week?")
            await away.locator("button[type=submit]").click()
            await widget(offline).locator(".sent .check").wait_for(timeout=WAIT_MS)
            await shoot(offline, folder, "8-offline-sent")
        finally:
            await offline_ctx.close()
    finally:
        await ctx.close()
    assert sorted(p.stem for p in folder.glob("*.png")) == list(SCREENS)
