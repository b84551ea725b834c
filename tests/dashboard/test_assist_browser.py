"""Agent assist in a real browser (headless Chromium, Playwright) against a live server with no
language model configured: a reply suggested from the knowledge base goes into the composer
with its source, the agent edits and sends it, the visitor receives it; the summary shows in
the side panel; a question the knowledge base cannot answer says so."""

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import expect

from helpline.tenancy.models import Role
from tests.assist.support import model_configured
from tests.dashboard.browser_support import (
    LIVE_MS,
    SCREENSHOTS,
    SHOP,
    WAIT_MS,
    Env,
    Tab,
    browser_env,
    new_visitor,
    open_inbox,
    row,
    visitor_history,
    visitor_writes,
)
from tests.fixtures.live import observe
from tests.fixtures.llm import stand_in_llm

pytestmark = pytest.mark.asyncio(loop_scope="module")

# The world's FAQ entry of workspace A (tests/fixtures/world.py).
HOURS_QUESTION = "What are the opening hours of A?"
HOURS_ANSWER = "We answer from 9:00 to 17:00, Monday to Friday."


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def env(migrated: Path) -> AsyncIterator[Env]:
    async with browser_env(migrated) as env:
        yield env


async def open_conversation(tab: Tab, conversation_id: str) -> None:
    await row(tab.page, conversation_id).click()
    await expect(tab.page).to_have_url(re.compile(f"/app/conversations/{conversation_id}"))
    await expect(tab.page.locator("[data-contact]")).to_contain_text(
        "Previous conversations", timeout=WAIT_MS
    )


async def test_a_suggested_reply_is_edited_sent_and_received_and_the_summary_shows(
    env: Env,
) -> None:
    visitor = await new_visitor(env, "Mary Shelley")
    await visitor_writes(env, visitor, "When are you open?")
    tab = await open_inbox(env, Role.agent)
    page = tab.page
    await open_conversation(tab, visitor.conversation_id)
    composer = page.locator("[data-composer-text]")

    await page.get_by_role("button", name="Suggest a reply").click()

    await expect(composer).to_have_value(HOURS_ANSWER)
    await expect(composer).to_be_focused()
    sources = page.locator("[data-assist-sources]")
    await expect(sources).to_contain_text("Suggested from:")
    source = sources.get_by_role("button", name=f"[1] {HOURS_QUESTION}")
    await source.click()
    dialog = page.locator("[data-dialog]")
    await expect(dialog).to_contain_text(HOURS_ANSWER)
    await dialog.get_by_role("button", name="Close").click()
    # Nothing was sent by itself: the timeline holds only the visitor's message.
    await expect(page.locator(".message.outgoing")).to_have_count(0)

    async with observe(env.server, "/ws/widget", visitor.token, origin=SHOP) as widget:
        await composer.focus()
        await composer.press("End")
        await composer.type(" See you soon!")
        await composer.press("Enter")
        await expect(composer).to_have_value("")
        sent = f"{HOURS_ANSWER} See you soon!"
        received = await widget.wait_for(
            lambda f: f["type"] == "message.created" and f["message"]["sender_kind"] == "agent"
        )
    assert received["message"]["body"] == sent
    assert (await visitor_history(env, visitor))[-1]["body"] == sent
    # The sources were the draft's: they go with it.
    await expect(page.locator("[data-assist-sources]")).to_be_hidden()
    await expect(page.locator(".message.outgoing:not(.pending)").last).to_contain_text(sent)

    # The summary, by keyboard: the button takes focus and Enter.
    await page.locator("[data-assist-summarise]").focus()
    await page.keyboard.press("Enter")
    summary = page.locator("[data-assist-summary]")
    await expect(summary).to_be_visible(timeout=LIVE_MS)
    await expect(summary).to_contain_text("Summary")
    await expect(summary).to_contain_text("Mary Shelley")
    await expect(summary).to_contain_text("“When are you open?”")
    await expect(summary).to_contain_text("None: the last word was the team's.")
    await expect(summary).to_contain_text("Quoted from the conversation")
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "assist.png"))
    await summary.get_by_role("button", name="Hide the summary").click()
    await expect(summary).to_be_hidden()
    await expect(page.locator("[data-assist-summarise]")).to_be_focused()
    assert tab.errors == []
    assert tab.dialogs == []


async def test_a_question_the_knowledge_base_cannot_answer_says_so(env: Env) -> None:
    visitor = await new_visitor(env, "Ada Byron")
    await visitor_writes(env, visitor, "What is the airspeed velocity of an unladen swallow?")
    tab = await open_inbox(env, Role.agent)
    page = tab.page
    await open_conversation(tab, visitor.conversation_id)
    composer = page.locator("[data-composer-text]")
    await composer.fill("Let me check")

    await page.get_by_role("button", name="Suggest a reply").click()

    await expect(page.locator("[data-assist-sources]")).to_contain_text(
        "No suggestion: Nothing in the knowledge base is relevant enough"
    )
    # What the agent wrote stays as it was.
    await expect(composer).to_have_value("Let me check")
    # Another conversation starts clean.
    await open_conversation(tab, str(env.world.a.conversation.id))
    await expect(page.locator("[data-assist-sources]")).to_be_hidden()
    assert tab.errors == []


async def test_with_a_model_the_draft_is_the_models_and_its_failure_a_toast(env: Env) -> None:
    visitor = await new_visitor(env, "Hedy Lamarr")
    await visitor_writes(env, visitor, "When are you open?")
    tab = await open_inbox(env, Role.agent)
    page = tab.page
    await open_conversation(tab, visitor.conversation_id)
    drafted = "We are open from 9:00 to 17:00 on weekdays [1]."

    async with stand_in_llm(reply=drafted) as llm:
        with model_configured(env.server.app, llm):
            await page.get_by_role("button", name="Suggest a reply").click()
            await expect(page.locator("[data-composer-text]")).to_have_value(drafted)
            await expect(page.locator("[data-assist-sources]")).to_contain_text(HOURS_QUESTION)
    async with stand_in_llm("error") as llm:
        with model_configured(env.server.app, llm):
            await page.get_by_role("button", name="Summary").click()
            toast = page.locator(".toast-error")
            await expect(toast).to_contain_text("could not summarise this conversation")
    await expect(page.locator("[data-assist-summary]")).to_be_hidden()
    await expect(page.get_by_role("button", name="Summary")).to_be_enabled()
    # The toast is the page's own; the console's line is the browser reporting the 503.
    assert [e for e in tab.errors if "503" not in e] == []
