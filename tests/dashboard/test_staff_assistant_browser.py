"""The staff assistant in a real browser (headless Chromium, Playwright) against a live server
with no language model configured: an agent opens "Ask the assistant" from the inbox header
by keyboard, asks a question the knowledge base answers, and reads the answer with its
source, as text."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import expect

from helpline.tenancy.models import Role
from tests.dashboard.browser_support import (
    LIVE_MS,
    SCREENSHOTS,
    XSS_TRAP,
    Env,
    browser_env,
    open_inbox,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

# The world's article of workspace A (tests/fixtures/world.py).
SHIPPING_ANSWER = "Orders arrive within three working days."


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def env(migrated: Path) -> AsyncIterator[Env]:
    async with browser_env(migrated) as env:
        yield env


async def test_an_agent_asks_and_reads_the_answer_with_its_source(env: Env) -> None:
    tab = await open_inbox(env, Role.agent)
    page = tab.page

    opener = page.get_by_role("button", name="Ask the assistant")
    await opener.focus()
    await page.keyboard.press("Enter")
    dialog = page.locator("[data-dialog]")
    await expect(dialog.get_by_role("heading", name="Ask the assistant")).to_be_visible()
    question = dialog.get_by_label("Your question")
    await expect(question).to_be_focused()
    await question.type("How long does shipping to Europe take?")
    await page.keyboard.press("Enter")

    answer = dialog.get_by_role("region", name="The assistant's answer")
    await expect(answer).to_contain_text(SHIPPING_ANSWER, timeout=LIVE_MS)
    await expect(answer).to_contain_text("[1] Shipping times (article)")
    await expect(answer.get_by_role("listitem")).to_have_text(["Shipping times (article)"])
    await expect(answer).to_contain_text("Found without a language model, from the knowledge base.")
    # The question stays, for another one; nothing of the answer is markup.
    await expect(question).to_have_value("How long does shipping to Europe take?")
    assert await answer.locator("a, img, script").count() == 0
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "staff-assistant.png"))

    await dialog.get_by_role("button", name="Cancel").click()
    await expect(dialog).to_be_hidden()
    assert await page.evaluate(XSS_TRAP) is None
    assert tab.errors == []
    assert tab.dialogs == []
