"""The bot's settings page in a real browser (headless Chromium, driven by Playwright): an
admin adds an escalation keyword, a visitor writes a message with it, the bot (run by the
server's own job worker, offline: no language model) hands the conversation over, and the
admin's conversation view says why. Then an admin points the bot at the workspace's own model
(a stand-in OpenAI-compatible server), tests it, and the bot's next answer comes from it."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.tenancy.models import Role
from tests.bot.support import WIDGET, enable_bot
from tests.conftest import make_settings
from tests.fixtures.live import LiveServer, live_server
from tests.fixtures.llm import stand_in_llm
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


@pytest.fixture
async def private_models_server(
    migrated: Path, runtime: Runtime, world: World
) -> AsyncIterator[LiveServer]:
    """As `server`, on a Helpline that allows models on its own network (the stand-in
    listens on loopback)."""
    await enable_bot(runtime, world.a)
    async with unit_of_work(runtime.sessionmaker) as session:
        await add_faqs(session, world.a.workspace.id, SHOP_FAQ)
    settings = make_settings(migrated, run_jobs_in_web=True, llm_allow_private_urls=True)
    async with live_server(settings) as live:
        yield live


async def _log_in_as_admin(browser: Browser, server: LiveServer, world: World) -> Page:
    page = await browser.new_page()
    await page.goto(server.http_url + "/login")
    await page.get_by_label("Email").fill(world.a.member(Role.admin).user.email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(server.http_url + "/app", timeout=WAIT_MS)
    return page


async def test_an_admin_adds_a_keyword_and_the_bot_hands_off_on_it(
    browser: Browser, server: LiveServer, world: World
) -> None:
    page = await _log_in_as_admin(browser, server, world)

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


async def test_an_admin_sets_the_workspace_model_tests_it_and_the_bot_answers_with_it(
    browser: Browser, private_models_server: LiveServer, world: World
) -> None:
    server = private_models_server
    page = await _log_in_as_admin(browser, server, world)
    await page.goto(server.http_url + "/app/settings/bot")
    await expect(page.locator("#model-heading + p")).to_contain_text("Now in use: none")

    async with stand_in_llm(reply="Use the reset link on the sign-in page [1].") as llm:
        model = page.locator("[data-bot-model]")
        await model.get_by_label("Your own model").check()
        await model.get_by_label("Address").fill(llm.base_url)
        await model.get_by_label("Model's name").fill("shop-model")
        await model.get_by_label("API key").fill("sk-shop-123")
        await page.get_by_role("button", name="Save the model").click()
        await expect(page.get_by_role("status")).to_have_text(
            "The model is saved. Test it below to see that it answers.", timeout=WAIT_MS
        )
        await expect(page.locator("#model-heading + p")).to_contain_text(
            "your own model, shop-model"
        )
        # The key is never shown again.
        await expect(model.get_by_label("API key")).to_have_value("")

        await page.get_by_role("button", name="Test the model in use").click()
        await expect(page.locator("[data-model-test]")).to_contain_text(
            "shop-model answered in", timeout=WAIT_MS
        )

        async with server.client() as http:
            started = await http.post(
                WIDGET,
                json={"subject": "", "body": "I forgot my password"},
                headers=world.a.visitor_headers,
            )
            assert started.status_code == 201, started.text
            await page.goto(f"{server.http_url}/app/conversations/{started.json()['id']}")
            answer = page.locator("[data-timeline]").get_by_text(
                "Use the reset link on the sign-in page"
            )
            await expect(answer).to_be_visible(timeout=WAIT_MS)

    assert [headers.get("authorization") for headers in llm.headers] == [
        "Bearer sk-shop-123",
        "Bearer sk-shop-123",
    ]
