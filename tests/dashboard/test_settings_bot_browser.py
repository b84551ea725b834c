"""The bot's settings page in a real browser (headless Chromium, driven by Playwright): an
admin adds an escalation keyword, a visitor writes a message with it, the bot (run by the
server's own job worker, offline: no language model) hands the conversation over, and the
admin's conversation view says why."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.tenancy.models import Role
from tests.bot.support import WIDGET, enable_bot
from tests.conftest import make_settings
from tests.fixtures.live import LiveServer, live_server
from tests.fixtures.world import PASSWORD, World
from tests.knowledge.support import SHOP_FAQ, add_faqs
from tests.widget.test_browser import WAIT_MS, browser

__all__ = ["browser"]


@pytest.fixture
async def server(migrated: Path, runtime: Runtime, world: World) -> AsyncIterator[LiveServer]:
    """A live server with its job worker; workspace A's bot on, answering from the shop's
    FAQ (`runtime` empties the database afterwards)."""
    await enable_bot(runtime, world.a)
    async with unit_of_work(runtime.sessionmaker) as session:
        await add_faqs(session, world.a.workspace.id, SHOP_FAQ)
    async with live_server(make_settings(migrated, run_jobs_in_web=True)) as live:
        yield live


async def test_an_admin_adds_a_keyword_and_the_bot_hands_off_on_it(
    browser: Browser, server: LiveServer, world: World
) -> None:
    page = await browser.new_page()
    await page.goto(server.http_url + "/login")
    await page.get_by_label("Email").fill(world.a.member(Role.admin).user.email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(server.http_url + "/app", timeout=WAIT_MS)

    await page.goto(server.http_url + "/app/settings")
    await page.locator('nav[aria-label="Settings"] a[href="/app/settings/bot"]').click()
    await page.get_by_label("Keywords").fill("lawyer\nchargeback")
    await page.get_by_role("button", name="Save the bot's settings").click()
    await expect(page.get_by_role("status")).to_have_text(
        "Your changes are saved.", timeout=WAIT_MS
    )
    await expect(page.get_by_label("Keywords")).to_have_value("lawyer\nchargeback")

    # A visitor writes in through the widget's API; the server's worker runs the bot.
    async with server.client() as http:
        started = await http.post(
            WIDGET,
            json={"subject": "", "body": "My LAWYER says you owe me for the parcel"},
            headers=world.a.visitor_headers,
        )
    assert started.status_code == 201, started.text
    conversation = started.json()["id"]

    await page.goto(f"{server.http_url}/app/conversations/{conversation}")
    why = page.locator("[data-timeline]").get_by_text(
        "The bot handed this conversation to the team: the message has an escalation keyword"
    )
    await expect(why).to_be_visible(timeout=WAIT_MS)
    handoff = page.locator("[data-timeline]").get_by_text("Let me connect you with a member")
    await expect(handoff).to_be_visible(timeout=WAIT_MS)
