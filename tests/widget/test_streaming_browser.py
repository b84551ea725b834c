"""A streamed bot answer in a real browser (headless Chromium, driven by Playwright): the
visitor asks, the bot's answer grows in a busy bubble as the model writes it, as text only
(no image or link from the model, even half written), then the posted, cited message takes
its place; an admin's dashboard, open on the conversation, shows the same. The model is the stand-in OpenAI-compatible server (tests/fixtures/llm.py), paced
by the test; the server runs its own job worker, as `helpline serve` does."""

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser, Dialog, Page, expect

from helpline.bot.streaming import showable
from helpline.bot.text import inert
from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.tenancy.models import Role
from tests.bot.support import enable_bot
from tests.conftest import make_settings
from tests.fixtures.live import LiveServer, live_server
from tests.fixtures.llm import StandInLLM, stand_in_llm
from tests.fixtures.world import PASSWORD, World
from tests.knowledge.support import SHOP_FAQ, add_faqs
from tests.widget.test_browser import WAIT_MS, browser, demo_site, widget

__all__ = ["browser"]

ANSWER = (
    "Choose 'Forgot password' on the sign-in page [1]. "
    "![logo](https://evil.example/pixel.png) <b>We</b> email you a link within minutes."
)


@pytest.fixture
async def llm() -> AsyncIterator[StandInLLM]:
    async with stand_in_llm(reply=ANSWER, paced=True) as model:
        yield model


@pytest.fixture
async def server(migrated: Path, runtime: Runtime, llm: StandInLLM) -> AsyncIterator[LiveServer]:
    """A live server with its job worker, whose LLM is the stand-in (`runtime` empties the
    database afterwards)."""
    settings = make_settings(
        migrated,
        llm_base_url=llm.base_url,
        llm_model="m",
        # Generous: the test, not the limit, decides when the model writes.
        llm_timeout=timedelta(seconds=60),
        run_jobs_in_web=True,
    )
    async with live_server(settings) as live:
        yield live


@pytest.fixture
async def shop_url(server: LiveServer, runtime: Runtime, world: World) -> AsyncIterator[str]:
    """A website on its own port (another origin) with workspace A's widget, whose bot
    answers from the shop's FAQ."""
    async with demo_site(server.http_url, world) as url:
        await enable_bot(runtime, world.a, bot={"name": "Penny"})
        async with unit_of_work(runtime.sessionmaker) as session:
            await add_faqs(session, world.a.workspace.id, SHOP_FAQ)
        yield url


async def nothing_live(page: Page) -> dict[str, list[str]]:
    """Elements in the widget that could load or link to something: none may come from text."""
    found: dict[str, list[str]] = await page.evaluate(
        """() => {
          const root = document.querySelector('[data-helpline-widget]').shadowRoot;
          const log = root.querySelector('ol.log');
          return {
            tags: [...log.querySelectorAll('*')].map(e => e.tagName.toLowerCase())
                    .filter(t => !['li', 'span'].includes(t)),
            links: [...log.querySelectorAll('a')].map(a => a.getAttribute('href')),
          };
        }"""
    )
    return found


async def dashboard_on(browser: Browser, server: LiveServer, world: World) -> Page:
    """An admin of workspace A logged in to the dashboard, on the bot's conversation."""
    page = await browser.new_page()
    await page.goto(server.http_url + "/login")
    await page.get_by_label("Email").fill(world.a.member(Role.admin).user.email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(server.http_url + "/app", timeout=WAIT_MS)
    async with server.client() as http:
        listed = await http.get("/api/v1/conversations", headers=world.a.member(Role.admin).headers)
    [conversation] = [
        c["id"] for c in listed.json()["items"] if c["id"] != str(world.a.conversation.id)
    ]
    await page.goto(f"{server.http_url}/app/conversations/{conversation}")
    question = page.locator("[data-timeline] li.message").filter(has_text="I forgot my password")
    await question.wait_for(timeout=WAIT_MS)
    return page


async def test_the_answer_grows_in_a_busy_bubble_then_the_cited_message_replaces_it(
    browser: Browser, server: LiveServer, llm: StandInLLM, world: World, shop_url: str
) -> None:
    page = await browser.new_page()
    dialogs: list[str] = []

    async def refuse(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", refuse)
    await page.goto(shop_url)
    await widget(page).locator("button.launcher").click()
    box = widget(page).locator("textarea")
    await box.fill("I forgot my password")
    await box.press("Enter")
    # The model writes nothing until the test releases it: meanwhile an admin opens the
    # conversation in the dashboard.
    await widget(page).locator("li.msg.mine:not(.sending)").first.wait_for(timeout=WAIT_MS)
    dashboard = await dashboard_on(browser, server, world)
    agents_bubble = dashboard.locator("[data-timeline] li.streaming")

    bubble = widget(page).locator("li.msg.streaming")
    seen: list[str] = []
    for written in range(1, len(llm.pieces) + 1):
        llm.release()
        expected = showable("".join(llm.pieces[:written]))
        if not expected or expected in seen:
            continue
        # The bubble's own text (its first span; the second is the bot's name).
        await expect(bubble.locator("span").first).to_have_text(expected, timeout=WAIT_MS)
        assert await bubble.get_attribute("aria-busy") == "true"
        assert await nothing_live(page) == {"tags": [], "links": []}
        seen.append(expected)
        # Every frame carries the whole text so far: the agent's bubble shows it too.
        await expect(agents_bubble.locator(".message-body")).to_have_text(expected, timeout=WAIT_MS)

    answer = widget(page).locator("li.msg.theirs:not(.streaming)").filter(has_text="[1]")
    await answer.wait_for(timeout=WAIT_MS)
    await expect(bubble).to_have_count(0, timeout=WAIT_MS)

    # The text grew, word by word, through the image and the tag without showing them.
    assert len(seen) >= 8
    assert all(seen[i + 1].startswith(seen[i]) for i in range(len(seen) - 1))
    assert "pixel" not in " ".join(seen)
    # One answer, the posted message: its text is the final stream's, its bubble no longer busy.
    final = inert(ANSWER)
    assert final == (
        "Choose 'Forgot password' on the sign-in page [1]. logo We email you a link within minutes."
    )
    assert await answer.count() == 1
    assert (await answer.inner_text()).startswith(final)
    # Signed with the name from the bot's settings, in the widget and in the dashboard.
    await expect(answer.locator("span.meta")).to_contain_text("Penny")
    assert await answer.get_attribute("aria-busy") is None
    assert await nothing_live(page) == {"tags": [], "links": []}
    assert dialogs == []
    # In the dashboard too, the posted message (cited) took the bubble's place.
    posted = dashboard.locator("[data-timeline] li.message").filter(has_text="[1]")
    await posted.wait_for(timeout=WAIT_MS)
    await expect(agents_bubble).to_have_count(0, timeout=WAIT_MS)
    assert await posted.count() == 1
    assert await agents_bubble.count() == 0
    await expect(posted.locator(".message-author")).to_have_text("Penny")
