"""The widget in a real browser (headless Chromium, driven by Playwright), on a page of another
origin than Helpline with a strict Content Security Policy, as on a careful customer's
website: a visitor writes, an agent answers over the API, the answer appears; hostile text
shows as text and runs nothing (no dialog, no CSP violation)."""

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
from playwright.async_api import (
    Browser,
    ConsoleMessage,
    Dialog,
    Error,
    Locator,
    Page,
    Response,
)

from helpline.settings import Settings
from helpline.tenancy.models import Role
from helpline.widget.demo_page import start_demo_page
from helpline.widget.routes import widget_version
from helpline.widget.service import SCRIPT_PATH, snippet_tag
from tests.fixtures.browser import browser
from tests.fixtures.live import LiveServer, live_server
from tests.fixtures.world import World

__all__ = ["browser"]

WAIT_MS = 10_000

XSS_CORPUS = [
    "<script>alert('script')</script>",
    "<img src=x onerror=alert('img')>",
    '"><svg onload=alert("svg")>',
    "<iframe src=javascript:alert('iframe')></iframe>",
    "javascript:alert('link')",
    "[click](javascript:alert('md'))",
    "<a href=\"javascript:alert('a')\">a</a>",
    "{{constructor.constructor('alert(1)')()}}",
]


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[LiveServer]:
    async with live_server(settings) as live:
        yield live


@contextlib.asynccontextmanager
async def demo_site(helpline_url: str, world: World) -> AsyncIterator[str]:
    """A website on its own port (another origin), with workspace A's widget snippet from the
    Helpline at `helpline_url` on it, and the workspace allowing it."""
    snippet = snippet_tag(helpline_url + SCRIPT_PATH, world.a.workspace.public_key)
    site = start_demo_page("127.0.0.1", 0, snippet)
    url = f"http://127.0.0.1:{site.server_address[1]}"
    try:
        async with httpx.AsyncClient(base_url=helpline_url) as http:
            allowed = await http.patch(
                "/api/v1/workspace",
                json={"settings": {"widget_origins": [url], "widget_name": "Acme"}},
                headers=world.a.member(Role.owner).headers,
            )
            assert allowed.status_code == 200, allowed.text
        yield url
    finally:
        site.shutdown()
        site.server_close()


@pytest.fixture
async def shop_url(server: LiveServer, world: World) -> AsyncIterator[str]:
    async with demo_site(server.http_url, world) as url:
        yield url


def widget(page: Page) -> Locator:
    return page.locator("[data-helpline-widget]")


async def visitor_sends(page: Page, text: str) -> None:
    box = widget(page).locator("textarea")
    await box.fill(text)
    await box.press("Enter")
    # Acked: the bubble is a message, no longer a pending send.
    sent = widget(page).locator("li.msg.mine:not(.sending):not(.failed)").filter(has_text=text)
    await sent.first.wait_for(timeout=WAIT_MS)


async def agent_replies(server: LiveServer, world: World, body: str) -> None:
    headers = world.a.member(Role.agent).headers
    async with server.client() as http:
        listed = await http.get("/api/v1/conversations", headers=headers)
        assert listed.status_code == 200, listed.text
        # The browser's conversation: the world has one of its own already.
        [conversation] = [
            c
            for c in listed.json()["items"]
            if c["channel"] == "widget" and c["id"] != str(world.a.conversation.id)
        ]
        reply = await http.post(
            f"/api/v1/conversations/{conversation['id']}/messages",
            json={"body": body},
            headers=headers,
        )
        assert reply.status_code == 201, reply.text


# Installed before any of the page's scripts: every Content Security Policy violation in the
# page (the widget's shadow root included: the event is composed) lands in a window array.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline"}: ${event.sample}`);
}, true);
"""


@dataclass
class Watch:
    """What a page did that it should not: dialogs it opened (dismissed here), errors in its
    console (where Chromium also reports CSP violations) and uncaught exceptions."""

    page: Page
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    async def csp_violations(self) -> list[str]:
        found: list[str] = await self.page.evaluate("window.__cspViolations")
        return found


async def watch(page: Page) -> Watch:
    watched = Watch(page)

    async def refuse(dialog: Dialog) -> None:
        watched.dialogs.append(dialog.message)
        await dialog.dismiss()

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            watched.errors.append(message.text)

    def uncaught(error: Error) -> None:
        watched.errors.append(f"uncaught: {error}")

    await page.add_init_script(CSP_LISTENER)
    page.on("dialog", refuse)
    page.on("console", console)
    page.on("pageerror", uncaught)
    return watched


async def open_page(browser: Browser, url: str) -> tuple[Page, Watch]:
    page = await browser.new_page()
    watched = await watch(page)
    await page.goto(url)
    await widget(page).locator("button.launcher").click()
    return page, watched


async def test_a_visitor_writes_and_the_agents_reply_appears(
    browser: Browser, server: LiveServer, world: World, shop_url: str
) -> None:
    page, watched = await open_page(browser, shop_url)
    # The workspace's widget_name, once the configuration has arrived.
    await widget(page).locator("h2").filter(has_text="Chat with Acme").wait_for(timeout=WAIT_MS)

    await visitor_sends(page, "Where is my parcel?")
    await page.evaluate(
        "() => { window.got = []; Helpline.on('message', (m) => window.got.push(m.body)); }"
    )
    await agent_replies(server, world, "It left our warehouse today: https://track.example/1042")

    reply = widget(page).locator("li.msg.theirs").filter(has_text="It left our warehouse")
    await reply.wait_for(timeout=WAIT_MS)
    link = reply.locator("a")
    assert await link.get_attribute("href") == "https://track.example/1042"
    assert await link.get_attribute("rel") == "noopener noreferrer"
    assert await page.evaluate("window.got") == [
        "It left our warehouse today: https://track.example/1042"
    ]

    # A reload keeps the visitor and the conversation (the token is in localStorage).
    await page.reload()
    await widget(page).locator("button.launcher").click()
    await reply.wait_for(timeout=WAIT_MS)
    assert await widget(page).locator("li.msg").count() == 3  # greeting, question, answer

    # Arabic, set through the SDK, turns the widget right to left.
    await page.evaluate("Helpline.setLocale('ar')")
    frame = widget(page).locator("div.hl")
    assert await frame.get_attribute("dir") == "rtl"
    assert await frame.get_attribute("lang") == "ar"
    assert await widget(page).locator("button.send").inner_text() == "إرسال"
    # All of it under the page's strict policy, which the widget never had to bend.
    assert await watched.csp_violations() == []
    assert watched.errors == []


async def test_the_widget_comes_from_the_current_version_and_calls_its_own_server(
    browser: Browser, server: LiveServer, world: World, shop_url: str
) -> None:
    """The snippet's entry is the only unversioned file; every module comes from the current
    version's folder, cached for a year; the API is the server the entry came from."""
    page = await browser.new_page()
    fetched: dict[str, str] = {}

    def record(response: Response) -> None:
        fetched[response.url] = response.headers.get("cache-control", "")

    page.on("response", record)
    await page.goto(shop_url)
    await widget(page).locator("button.launcher").click()
    await widget(page).locator("h2").filter(has_text="Chat with Acme").wait_for(timeout=WAIT_MS)

    files = {url: cached for url, cached in fetched.items() if "/widget/v1/" in url}
    versioned = f"{server.http_url}/widget/v1/{widget_version()}/"
    assert files.pop(f"{server.http_url}/widget/v1/widget.js") == "public, max-age=300"
    assert {versioned + name for name in ("main.js", "client.js", "ui.js")} <= set(files)
    assert all(url.startswith(versioned) for url in files), files
    assert set(files.values()) == {"public, max-age=31536000, immutable"}
    api = [url for url in fetched if "/api/v1/widget/" in url]
    assert api
    assert all(url.startswith(server.http_url + "/api/v1/widget/") for url in api), api
    assert await page.evaluate("typeof Helpline.init + typeof Helpline.identify") == (
        "functionfunction"
    )


async def test_hostile_text_from_either_side_is_shown_as_text_and_runs_nothing(
    browser: Browser, server: LiveServer, world: World, shop_url: str
) -> None:
    page, watched = await open_page(browser, shop_url)
    for text in XSS_CORPUS[:4]:
        await visitor_sends(page, text)
    for text in XSS_CORPUS:
        await agent_replies(server, world, text)
    last = widget(page).locator("li.msg.theirs").filter(has_text=XSS_CORPUS[-1])
    await last.wait_for(timeout=WAIT_MS)

    shown = await widget(page).locator("li.msg").all_inner_texts()
    for text in XSS_CORPUS:
        assert any(text in bubble for bubble in shown), text
    # Nothing in the widget came from markup in a message: no such elements, no handlers,
    # and the only links are safe ones (none of these texts holds one).
    found = await page.evaluate(
        """() => {
          const root = document.querySelector('[data-helpline-widget]').shadowRoot;
          const all = [...root.querySelectorAll('*')];
          return {
            tags: all.map(e => e.tagName.toLowerCase())
                     .filter(t => ['script', 'img', 'iframe', 'object', 'embed'].includes(t)),
            handlers: all.flatMap(e => [...e.attributes].map(a => a.name))
                         .filter(n => n.startsWith('on')),
            links: [...root.querySelectorAll('a')].map(a => a.getAttribute('href')),
            svgs: root.querySelectorAll('svg').length,
          };
        }"""
    )
    # 4: the launcher's two icons (closed, open), the back button's and the attach button's.
    assert found == {"tags": [], "handlers": [], "links": [], "svgs": 4}
    assert watched.dialogs == []
    assert await watched.csp_violations() == []
    assert watched.errors == []

    # The listener is live and the page's policy refuses injected script: a script written
    # into the page now is refused, reported, and opens no dialog.
    await page.evaluate(
        """() => {
          const injected = document.createElement('script');
          injected.textContent = "alert('injected')";
          document.body.append(injected);
        }"""
    )
    await page.wait_for_function("window.__cspViolations.length > 0", timeout=WAIT_MS)
    [violation] = await watched.csp_violations()
    assert violation.startswith("script-src-elem refused inline: alert('injected')"), violation
    assert watched.dialogs == []
