"""The widget in a real browser (headless Chromium, driven by Playwright), on a page of another
origin than Helpline, as on a customer's website: a visitor writes, an agent answers over the
API, the answer appears; hostile text shows as text and runs nothing."""

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Dialog, Locator, Page, Response, async_playwright

from helpline.settings import Settings
from helpline.tenancy.models import Role
from helpline.widget.demo_page import start_demo_page
from helpline.widget.routes import widget_version
from helpline.widget.service import SCRIPT_PATH, snippet_tag
from tests.fixtures.live import LiveServer, live_server
from tests.fixtures.world import World

CHROMIUM = "/usr/bin/chromium"
# Debian's Chromium, as root in a container: no sandbox, no GPU, nothing phoning home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
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


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def shop_url(server: LiveServer, world: World) -> AsyncIterator[str]:
    """A website on its own port (another origin), with workspace A's widget snippet on it."""
    snippet = snippet_tag(server.http_url + SCRIPT_PATH, world.a.workspace.public_key)
    site = start_demo_page("127.0.0.1", 0, snippet)
    url = f"http://127.0.0.1:{site.server_address[1]}"
    async with server.client() as http:
        allowed = await http.patch(
            "/api/v1/workspace",
            json={"settings": {"widget_origins": [url], "widget_name": "Acme"}},
            headers=world.a.member(Role.owner).headers,
        )
        assert allowed.status_code == 200, allowed.text
    try:
        yield url
    finally:
        site.shutdown()
        site.server_close()


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


async def open_page(browser: Browser, url: str) -> tuple[Page, list[str]]:
    page = await browser.new_page()
    dialogs: list[str] = []

    async def refuse(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", refuse)
    await page.goto(url)
    await widget(page).locator("button.launcher").click()
    return page, dialogs


async def test_a_visitor_writes_and_the_agents_reply_appears(
    browser: Browser, server: LiveServer, world: World, shop_url: str
) -> None:
    page, _ = await open_page(browser, shop_url)
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
    page, dialogs = await open_page(browser, shop_url)
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
    # 3: the icons of the launcher, the back button and the attach button.
    assert found == {"tags": [], "handlers": [], "links": [], "svgs": 3}
    assert dialogs == []
