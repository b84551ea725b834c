"""The inbox in a real browser (headless Chromium, driven by Playwright) against a live
server: what agents see, live, as they see it. One server and one browser serve the whole
module; each test starts visitors of its own, so tests do not depend on one another."""

import json
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Locator, Page, Request, expect

from helpline.tenancy.models import Role
from tests.dashboard.browser_support import (
    LIVE_MS,
    SCREENSHOTS,
    SHOP,
    WAIT_MS,
    XSS_TRAP,
    Env,
    Tab,
    agent_posts,
    agent_uploads,
    browser_env,
    heartbeats,
    log_in,
    member_context,
    new_context,
    new_visitor,
    open_inbox,
    row,
    visitor_history,
    visitor_writes,
)
from tests.fixtures.live import observe
from tests.fixtures.world import TINY_PNG

pytestmark = pytest.mark.asyncio(loop_scope="module")


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


def status_chip(page: Page) -> Locator:
    return page.locator(".conversation-title .chip").first


async def test_an_agent_logs_in_and_a_visitors_messages_appear_live(env: Env) -> None:
    context = await new_context(env)
    try:
        page = await log_in(env, context, Role.agent)
        await page.locator('[data-view="unassigned"]').click()
        await expect(page).to_have_url(env.url("/app?view=unassigned"))
        # The world's visitor wrote before: the list is loaded once that row shows.
        await row(page, str(env.world.a.conversation.id)).wait_for(timeout=WAIT_MS)
        count = page.locator('[data-count="unassigned"]')
        # The counts come over the socket, maybe after the list.
        await expect(count).to_have_text(re.compile(r"^\d+$"))
        before = int(await count.inner_text())
        await page.evaluate("window.__same_page = true")

        visitor = await new_visitor(env, "Ada Lovelace")
        await visitor_writes(env, visitor, "Hello, my parcel never arrived.")
        fresh = row(page, visitor.conversation_id)
        await expect(fresh).to_be_visible(timeout=LIVE_MS)
        await expect(fresh).to_contain_text("Ada Lovelace")
        await expect(fresh.locator(".row-preview")).to_have_text("Hello, my parcel never arrived.")
        await expect(count).to_have_text(str(before + 1), timeout=LIVE_MS)

        await visitor_writes(env, visitor, "It was order 1042.")
        await expect(fresh.locator(".row-preview")).to_have_text(
            "It was order 1042.", timeout=LIVE_MS
        )
        await expect(fresh.locator(".row-unread")).to_have_text("2")
        # The newest conversation is on top, and nothing reloaded the page.
        await expect(page.locator("[data-row]").first).to_have_attribute(
            "data-row", visitor.conversation_id
        )
        assert await page.evaluate("window.__same_page") is True
    finally:
        await context.close()


async def test_the_agent_replies_from_the_composer_and_the_visitor_receives_it(
    env: Env,
) -> None:
    tab = await open_inbox(env, Role.agent)
    page = tab.page
    visitor = await new_visitor(env, "Grace Hopper")
    await visitor_writes(env, visitor, "Can I change my delivery address?")
    await open_conversation(tab, visitor.conversation_id)
    await expect(row(page, visitor.conversation_id).locator(".row-unread")).to_have_count(0)

    async with observe(env.server, "/ws/widget", visitor.token, origin=SHOP) as widget:
        # The visitor types: the agent sees it; the agent types: the visitor sees it.
        await widget.send(
            {"type": "typing", "conversation_id": visitor.conversation_id, "is_typing": True}
        )
        await expect(page.locator("[data-typing]")).to_have_text(
            "Grace Hopper is typing…", timeout=LIVE_MS
        )
        composer = page.locator("[data-composer-text]")
        await composer.type("Of course: which address")
        await widget.wait_for(lambda f: f["type"] == "typing" and f["is_typing"])
        await composer.press("Shift+Enter")
        await composer.type("should we use?")
        await composer.press("Enter")
        await expect(composer).to_have_value("")

        reply = page.locator(".message.outgoing:not(.pending)").last
        await expect(reply).to_contain_text("Of course: which address\nshould we use?")
        received = await widget.wait_for(
            lambda f: f["type"] == "message.created" and f["message"]["sender_kind"] == "agent"
        )
        assert received["message"]["body"] == "Of course: which address\nshould we use?"
        history = await visitor_history(env, visitor)
        assert history[-1]["body"] == received["message"]["body"]

        # The visitor reads it: "Seen".
        async with env.http() as http:
            read = await http.post(
                f"/api/v1/widget/conversations/{visitor.conversation_id}/read",
                json={"seq": history[-1]["seq"]},
                headers=visitor.headers,
            )
            assert read.status_code == 200, read.text
        await expect(page.locator("[data-seen]")).to_have_text("Seen", timeout=LIVE_MS)
    assert tab.errors == []


async def test_actions_are_reflected_live_in_a_second_agents_browser(env: Env) -> None:
    visitor = await new_visitor(env, "Katherine Johnson")
    await visitor_writes(env, visitor, "My invoice shows the wrong VAT number.")
    one = await open_inbox(env, Role.owner)
    two = await open_inbox(env, Role.admin)
    for tab in (one, two):
        await open_conversation(tab, visitor.conversation_id)
    page, other = one.page, two.page
    owner_id = env.member_id(Role.owner)

    await page.get_by_role("button", name="Assign to me").click()
    await expect(other.locator('[data-action="assignee"]')).to_have_value(owner_id, timeout=LIVE_MS)
    await expect(row(other, visitor.conversation_id)).to_contain_text("owner a")

    await page.locator('[data-action="priority"]').select_option("high")
    await expect(other.locator('[data-action="priority"]')).to_have_value("high", timeout=LIVE_MS)

    await page.get_by_role("button", name="Labels").click()
    await page.get_by_label("Labels, separated by commas").fill("billing, VIP")
    await page.get_by_role("button", name="Save labels").click()
    await expect(other.locator("[data-labels] .tag")).to_have_text(
        ["billing", "vip"], timeout=LIVE_MS
    )
    await expect(other.locator("[data-timeline]")).to_contain_text(
        "owner a added the labels billing, vip"
    )

    # Snooze by its shortcut, from the page (not from a field).
    await page.locator("[data-timeline]").click()
    await page.keyboard.press("s")
    await page.get_by_role("button", name="1 hour").click()
    await expect(status_chip(other)).to_contain_text("snoozed until", timeout=LIVE_MS)
    await expect(row(other, visitor.conversation_id)).to_have_count(0)  # not open any more

    await page.get_by_role("button", name="Reopen").click()
    await expect(status_chip(other)).to_have_text("open", timeout=LIVE_MS)
    await expect(row(other, visitor.conversation_id)).to_be_visible(timeout=LIVE_MS)

    await page.keyboard.press("e")
    await expect(status_chip(other)).to_have_text("resolved", timeout=LIVE_MS)
    await expect(row(other, visitor.conversation_id)).to_have_count(0)
    await expect(other.locator("[data-timeline]")).to_contain_text(
        "owner a resolved this conversation"
    )

    await page.get_by_role("button", name="Reopen").click()
    await expect(status_chip(other)).to_have_text("open", timeout=LIVE_MS)

    # Into a team: the team's view in the sidebar counts it, live.
    billing = other.locator("[data-view='team']", has_text="Billing").locator(".badge")
    before = int(await billing.inner_text() or "0")
    await page.locator('[data-action="team"]').select_option(label="Billing")
    await expect(billing).to_have_text(str(before + 1), timeout=LIVE_MS)
    assert one.errors == two.errors == []


async def test_a_note_never_reaches_the_visitor_and_mentions_notify(env: Env) -> None:
    visitor = await new_visitor(env, "Hedy Lamarr")
    await visitor_writes(env, visitor, "I was charged twice.")
    mentioned = await open_inbox(env, Role.admin)
    tab = await open_inbox(env, Role.agent)
    page = tab.page
    await open_conversation(tab, visitor.conversation_id)

    async with observe(env.server, "/ws/widget", visitor.token, origin=SHOP) as widget:
        await page.locator("[data-timeline]").click()
        await page.keyboard.press("n")
        composer = page.locator("[data-composer-text]")
        await expect(composer).to_be_focused()
        await composer.type("Refund this one? @adm")
        await page.locator(".menu-item").filter(has_text="admin a").click()
        await composer.type("can you approve?")
        await composer.press("Enter")
        note = page.locator(".message.note:not(.pending)").last
        await expect(note).to_contain_text("Refund this one? @admin a can you approve?")
        await expect(note).to_contain_text("Private note")

        # The mentioned colleague hears of it at once.
        await expect(mentioned.page.locator(".toast")).to_contain_text(
            "agent a mentioned you", timeout=LIVE_MS
        )

        # A public reply afterwards is a barrier: once the visitor has it, any note would have
        # arrived before it.
        await page.keyboard.press("Escape")
        await page.keyboard.press("r")
        await composer.type("We are looking into it.")
        await composer.press("Enter")
        await widget.wait_for(
            lambda f: (
                f["type"] == "message.created" and f["message"]["body"] == "We are looking into it."
            )
        )
        assert "Refund this one" not in json.dumps(widget.frames)
    history = await visitor_history(env, visitor)
    assert [m["body"] for m in history if m["sender_kind"] != "system"] == [
        "I was charged twice.",
        "We are looking into it.",
    ]
    assert tab.errors == mentioned.errors == []


async def test_merging_and_taking_over_from_the_bot(env: Env) -> None:
    first = await new_visitor(env, "Frances Allen")
    await visitor_writes(env, first, "About my invoice.")
    second = await new_visitor(env, "Frances Allen (work)")
    target = await visitor_writes(env, second, "Same invoice, other address.")
    tab = await open_inbox(env, Role.supervisor)
    page = tab.page
    await open_conversation(tab, first.conversation_id)
    await page.get_by_role("button", name="Merge").click()
    async with env.http() as http:
        number = (
            await http.get(
                f"/api/v1/conversations/{second.conversation_id}",
                headers=env.headers(Role.owner),
            )
        ).json()["number"]
    await page.get_by_label("Conversation number or search").fill(f"#{number}")
    await page.locator(f'[data-target="{target["id"]}"]').click()
    await page.locator("[data-dialog]").get_by_role("button", name="Merge").click()
    await expect(status_chip(page)).to_have_text("merged")
    await expect(page.locator("[data-composer-text]")).to_be_disabled()
    await expect(page.locator("[data-timeline]")).to_contain_text(f"merged this into #{number}")

    # A conversation the bot answers: one click gives it to the member.
    async with env.http() as http:
        bot = {"settings": {"bot_enabled": True}}
        on = await http.patch("/api/v1/workspace", json=bot, headers=env.headers(Role.owner))
        assert on.status_code == 200, on.text
        try:
            visitor = await new_visitor(env, "Jean Sammet")
            await visitor_writes(env, visitor, "Is anyone there?")
        finally:
            bot = {"settings": {"bot_enabled": False}}
            off = await http.patch("/api/v1/workspace", json=bot, headers=env.headers(Role.owner))
            assert off.status_code == 200, off.text
    await expect(row(page, visitor.conversation_id)).to_contain_text("Bot", timeout=LIVE_MS)
    await open_conversation(tab, visitor.conversation_id)
    await page.get_by_role("button", name="Take over from the bot").click()
    await expect(page.locator('[data-action="assignee"]')).to_have_value(
        env.member_id(Role.supervisor)
    )
    await expect(page.get_by_role("button", name="Take over from the bot")).to_be_hidden()
    await expect(page.locator(".conversation-title")).not_to_contain_text("Bot is answering")
    assert tab.errors == []


async def test_a_canned_response_inserts_from_slash(env: Env) -> None:
    body = "You can return any item within 30 days for a full refund."
    async with env.http() as http:
        created = await http.post(
            "/api/v1/canned-responses",
            json={"shortcut": "refund-policy", "title": "Refund policy", "body": body},
            headers=env.headers(Role.owner),
        )
        assert created.status_code == 201, created.text
    visitor = await new_visitor(env, "Mary Jackson")
    await visitor_writes(env, visitor, "Can I send it back?")
    tab = await open_inbox(env, Role.agent)
    await open_conversation(tab, visitor.conversation_id)
    composer = tab.page.locator("[data-composer-text]")
    await composer.type("/ref")
    choice = tab.page.locator(".menu-item").filter(has_text="/refund-policy")
    await expect(choice).to_contain_text("Refund policy")
    await composer.press("Enter")
    await expect(composer).to_have_value(body)
    await composer.press("Enter")
    await expect(tab.page.locator(".message.outgoing:not(.pending)").last).to_contain_text(body)
    assert tab.errors == []


async def test_keyboard_moves_opens_and_lists_the_shortcuts(env: Env) -> None:
    first = await new_visitor(env, "Annie Easley")
    await visitor_writes(env, first, "First question.")
    second = await new_visitor(env, "Dorothy Vaughan")
    await visitor_writes(env, second, "Second question.")
    tab = await open_inbox(env, Role.owner)
    page = tab.page

    await page.keyboard.press("?")
    await expect(page.locator("[data-dialog]")).to_contain_text("Keyboard shortcuts")
    await expect(page.locator("[data-dialog]")).to_contain_text("Assign to me")
    await page.keyboard.press("Escape")
    await expect(page.locator("[data-dialog]")).not_to_be_visible()

    await page.keyboard.press("j")  # the newest: Dorothy's
    await page.keyboard.press("j")
    await expect(row(page, first.conversation_id)).to_have_class(re.compile("selected"))
    await page.keyboard.press("k")
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(f"/app/conversations/{second.conversation_id}"))
    await expect(page.locator("[data-timeline]")).to_contain_text("Second question.")

    # Letters typed in the composer are text, not shortcuts.
    await page.keyboard.press("r")
    await page.keyboard.type("see you")
    await expect(page.locator("[data-composer-text]")).to_have_value("see you")
    await expect(status_chip(page)).to_have_text("open")

    # Back and forward move between the inbox and the conversation without a reload.
    await row(page, first.conversation_id).click()
    await expect(page.locator("[data-timeline]")).to_contain_text("First question.")
    await page.go_back()
    await expect(page.locator("[data-timeline]")).to_contain_text("Second question.")
    await page.go_forward()
    await expect(page.locator("[data-timeline]")).to_contain_text("First question.")
    await page.keyboard.press("/")
    await expect(page.locator("[data-search]")).to_be_focused()
    await page.keyboard.type("Annie")
    await page.keyboard.press("Enter")
    await expect(page.locator("[data-row]")).to_have_count(1)
    await expect(row(page, first.conversation_id)).to_be_visible()
    assert tab.errors == []


async def test_an_agent_cannot_open_another_workspaces_conversation_or_admin_settings(
    env: Env,
) -> None:
    page = await (await member_context(env, Role.agent)).new_page()
    for conversation_id in (env.world.b.conversation.id, uuid.uuid4()):
        response = await page.goto(env.url(f"/app/conversations/{conversation_id}"))
        assert response is not None
        assert response.status == 404
        await expect(page.get_by_role("heading", name="Not found")).to_be_visible()
        await expect(page.locator("body")).not_to_contain_text(env.world.b.conversation.subject)
    # Nor the admin settings: a "not allowed" page, and no setting shown.
    for path in ("/app/settings/members", "/app/settings/api-keys", "/app/settings/workspace"):
        response = await page.goto(env.url(path))
        assert response is not None
        assert response.status == 403, path
        await expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
        await expect(page.locator("body")).not_to_contain_text("agent@a.example")
    await page.close()


XSS = [
    "<script>window.__xss = 'script'</script>",
    "<img src=x onerror=\"window.__xss = 'img'\">",
    '"><svg onload="window.__xss = \'svg\'">',
    "javascript:window.__xss='link'",
    "[click](javascript:window.__xss='md')",
    "<a href=\"javascript:window.__xss='a'\">a</a>",
    "<iframe src=\"javascript:window.__xss='iframe'\"></iframe>",
]


async def test_hostile_text_everywhere_shows_as_text_and_runs_nothing(env: Env) -> None:
    name = '<img src=x onerror="window.__xss=\'name\'">"><svg onload="window.__xss=\'n2\'">'
    visitor = await new_visitor(
        env, name, page_url="javascript:window.__xss='page'", user_agent=XSS[1]
    )
    for text in XSS:
        await visitor_writes(env, visitor, text)
    conversation_id = visitor.conversation_id
    async with env.http() as http:
        conversation = await http.get(
            f"/api/v1/conversations/{conversation_id}", headers=env.headers(Role.owner)
        )
        contact_id = conversation.json()["contact"]["id"]
        patched = await http.patch(
            f"/api/v1/contacts/{contact_id}",
            json={"attributes": {"plan": XSS[1], "company": XSS[2]}},
            headers=env.headers(Role.owner),
        )
        assert patched.status_code == 200, patched.text
    for text in XSS:
        await agent_posts(env, Role.owner, conversation_id, text, private=True)
    hostile_file = "<img src=x onerror=\"window.__xss='file'\">.png"
    upload = await agent_uploads(
        env, Role.owner, conversation_id, hostile_file, TINY_PNG, "image/png"
    )
    await agent_posts(env, Role.owner, conversation_id, XSS[2], attachment_ids=[upload["id"]])

    tab = await open_inbox(env, Role.agent)
    page = tab.page
    await expect(row(page, conversation_id)).to_contain_text("onerror")
    await open_conversation(tab, conversation_id)
    await expect(page.locator(".attachment-name").last).to_contain_text("onerror")
    await expect(page.locator(".thumb").last).to_have_attribute("src", re.compile("^blob:"))
    shown = await page.locator("[data-timeline]").inner_text()
    for text in XSS:
        assert text in shown, text
    await expect(page.locator(".conversation-title h1")).to_have_text(name)
    await expect(page.locator("[data-contact]")).to_contain_text(XSS[2])

    found = await page.evaluate(
        """(trap) => {
          const all = [...document.querySelectorAll('main *, dialog *, .toasts *')];
          return {
            trap: eval(trap),
            tags: all.map(e => e.tagName.toLowerCase())
                     .filter(t => ['script', 'iframe', 'object', 'embed', 'svg'].includes(t)),
            handlers: all.flatMap(e => [...e.attributes].map(a => a.name))
                         .filter(n => n.startsWith('on')),
            links: [...document.querySelectorAll('main a[href]')].map(a => a.getAttribute('href'))
                     .filter(h => !/^(https?:|mailto:|\\/)/.test(h)),
            images: [...document.querySelectorAll('main img')].map(i => i.getAttribute('src'))
                     .filter(s => !s.startsWith('blob:')),
          };
        }""",
        XSS_TRAP,
    )
    assert found == {"trap": None, "tags": [], "handlers": [], "links": [], "images": []}
    assert tab.dialogs == []
    assert tab.errors == []


async def test_the_dashboard_never_polls(env: Env) -> None:
    visitor = await new_visitor(env, "Margaret Hamilton")
    await visitor_writes(env, visitor, "Just checking in.")
    tab = await open_inbox(env, Role.agent)
    await open_conversation(tab, visitor.conversation_id)
    # The first load is over (the list's previews, the contact, images) ...
    await tab.page.wait_for_load_state("networkidle")
    requests: list[str] = []

    def record(request: Request) -> None:
        requests.append(f"{request.method} {request.url}")

    tab.page.on("request", record)
    # Three heartbeats (one a second here) of idleness: the socket alone speaks.
    await heartbeats(tab.socket, 3)
    assert requests == []


async def test_screenshots_of_the_inbox_and_a_conversation_light_and_dark(env: Env) -> None:
    visitor = await new_visitor(
        env,
        "Sophie Wilson",
        page_url=f"{SHOP}/checkout",
        page_title="Checkout · Acme",
        timezone="Europe/London",
        user_agent="Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Chrome/126.0 Safari/537.36",
    )
    await visitor_writes(env, visitor, "Hi! My order #1042 arrived damaged, the box was crushed.")
    conversation_id = visitor.conversation_id
    async with env.http() as http:
        owner = env.headers(Role.owner)
        base = f"/api/v1/conversations/{conversation_id}"
        await http.post(
            f"{base}/assign", json={"member_id": env.member_id(Role.agent)}, headers=owner
        )
        await http.put(f"{base}/labels", json={"labels": ["damaged", "vip"]}, headers=owner)
        await http.patch(base, json={"priority": "high"}, headers=owner)
    await agent_posts(
        env,
        Role.agent,
        conversation_id,
        "I am so sorry to hear that! Could you send a photo of the damage?",
    )
    upload_path = f"/api/v1/widget/conversations/{conversation_id}/attachments"
    async with env.http() as http:
        photo = await http.post(
            upload_path,
            files={"file": ("damage.png", TINY_PNG, "image/png")},
            headers=visitor.headers,
        )
        assert photo.status_code == 201, photo.text
        sent = await http.post(
            f"/api/v1/widget/conversations/{conversation_id}/messages",
            json={"body": "Here it is.", "attachment_ids": [photo.json()["id"]]},
            headers=visitor.headers,
        )
        assert sent.status_code == 201, sent.text
    await agent_posts(
        env,
        Role.agent,
        conversation_id,
        "Replacement approved: see https://acme.example/returns/1042",
        private=True,
    )
    await agent_posts(
        env,
        Role.agent,
        conversation_id,
        "A replacement is on its way; you will get a tracking link today.",
    )
    SCREENSHOTS.mkdir(exist_ok=True)
    for scheme in ("light", "dark"):
        tab = await open_inbox(env, Role.agent)
        page = tab.page
        await page.emulate_media(color_scheme=scheme)
        await expect(page.locator("[data-count='all']")).not_to_be_empty()
        await page.wait_for_load_state("networkidle")  # the rows' previews
        await page.screenshot(path=str(SCREENSHOTS / f"inbox-{scheme}.png"))
        await open_conversation(tab, conversation_id)
        await expect(page.locator(".thumb").last).to_have_attribute("src", re.compile("^blob:"))
        await page.screenshot(path=str(SCREENSHOTS / f"conversation-{scheme}.png"))
        await page.close()
        assert tab.errors == []


async def test_a_colleague_with_every_tab_closed_shows_as_away(env: Env) -> None:
    visitor = await new_visitor(env, "Grace Hopper")
    await visitor_writes(env, visitor, "Hello?")
    watcher = await open_inbox(env, Role.owner)
    await open_conversation(watcher, visitor.conversation_id)
    colleague = await open_inbox(env, Role.supervisor)
    async with colleague.page.expect_response("**/api/v1/me/availability") as saved:
        await colleague.page.locator("[data-availability]").select_option("online")
    assert (await saved.value).ok
    option = watcher.page.locator(
        f'[data-action="assignee"] option[value="{env.member_id(Role.supervisor)}"]'
    )
    await expect(option).to_have_text("supervisor a · online", timeout=LIVE_MS)
    await colleague.page.context.close()
    await expect(option).to_have_text("supervisor a · away", timeout=LIVE_MS)
    assert watcher.errors == []
    # Leave the shared world as it was: nobody else gets assigned to the supervisor.
    async with env.http() as http:
        reset = await http.put(
            "/api/v1/me/availability",
            json={"availability": "offline"},
            headers=env.world.a.member(Role.supervisor).headers,
        )
        assert reset.status_code == 200, reset.text
