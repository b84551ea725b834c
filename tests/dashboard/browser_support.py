"""Helpers for the dashboard's browser tests: a live server and one Chromium for a whole
module, members logged in through the login page, and a visitor who writes over the widget
API, as a customer's browser would."""

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import (
    Browser,
    BrowserContext,
    Dialog,
    Locator,
    Page,
    WebSocket,
)
from sqlalchemy import text

from helpline.core.runtime import Runtime, create_runtime
from helpline.models import Base
from helpline.settings import Settings
from helpline.tenancy.models import Role
from tests.conftest import make_settings
from tests.fixtures.browser import launched_chromium
from tests.fixtures.live import LiveServer, live_server
from tests.fixtures.world import PASSWORD, World
from tests.fixtures.world_cache import restored_world

# How long a waiting assertion may take before the test fails. Live updates must arrive within
# LIVE_MS of the write that causes them, with no reload: the dashboard never polls, so anything
# that shows up in time came over the socket. The bound is loose because CI runs on a loaded
# machine (1 s failed there once); how fast events arrive is measured in bench/, not here.
WAIT_MS = 10_000
LIVE_MS = 5_000
SHOP = "https://shop.example"
SCREENSHOTS = Path(__file__).parent / "screenshots"
# Every script run by hostile text sets this (the pages' init script makes it observable).
XSS_TRAP = "window.__xss"


@dataclass
class Env:
    server: LiveServer
    world: World
    browser: Browser
    contexts: dict[Role, BrowserContext] = field(default_factory=dict)

    def http(self) -> httpx.AsyncClient:
        return self.server.client()

    def url(self, path: str) -> str:
        return self.server.http_url + path

    def headers(self, role: Role) -> dict[str, str]:
        return self.world.a.member(role).headers

    def member_id(self, role: Role) -> str:
        return str(self.world.a.member(role).membership.id)


async def _empty_tables(runtime: Runtime) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with runtime.engine.begin() as connection:
        if runtime.settings.is_sqlite:
            for name in tables:
                await connection.execute(text(f'DELETE FROM "{name}"'))  # noqa: S608 (ours)
        else:
            quoted = ", ".join(f'"{name}"' for name in tables)
            await connection.execute(text(f"TRUNCATE {quoted} CASCADE"))


def browser_settings(data_dir: Path) -> Settings:
    # A heartbeat a second: the idle test counts them instead of sleeping.
    return make_settings(data_dir, ws_heartbeat_interval=timedelta(seconds=1))


@contextlib.asynccontextmanager
async def browser_env(data_dir: Path) -> AsyncIterator[Env]:
    settings = browser_settings(data_dir)
    runtime = create_runtime(settings)
    try:
        world = await restored_world(runtime)
        async with live_server(settings) as server, launched_chromium() as browser:
            env = Env(server, world, browser)
            async with env.http() as http:
                allowed = await http.patch(
                    "/api/v1/workspace",
                    json={"settings": {"widget_origins": [SHOP]}},
                    headers=env.headers(Role.owner),
                )
                assert allowed.status_code == 200, allowed.text
            try:
                yield env
            finally:
                for context in env.contexts.values():
                    await context.close()
    finally:
        await _empty_tables(runtime)
        await runtime.close()


async def new_context(env: Env) -> BrowserContext:
    context = await env.browser.new_context(viewport={"width": 1440, "height": 900})
    context.set_default_timeout(WAIT_MS)
    await context.add_init_script(f"{XSS_TRAP} = undefined;")
    return context


async def log_in(env: Env, context: BrowserContext, role: Role) -> Page:
    """Logs `role` of workspace A in through the login page; the page ends on the inbox."""
    page = await context.new_page()
    await page.goto(env.url("/login"))
    await page.get_by_label("Email").fill(env.world.a.member(role).user.email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(env.url("/app"), timeout=WAIT_MS)
    return page


async def member_context(env: Env, role: Role) -> BrowserContext:
    """A browser context of `role`, logged in once per module."""
    if role not in env.contexts:
        context = await new_context(env)
        page = await log_in(env, context, role)
        await page.close()
        env.contexts[role] = context
    return env.contexts[role]


def watch_dialogs(page: Page) -> list[str]:
    opened: list[str] = []

    async def refuse(dialog: Dialog) -> None:
        opened.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", refuse)
    return opened


@dataclass
class Tab:
    """A member's tab on the inbox: the page, its script errors and its socket."""

    page: Page
    errors: list[str]
    socket: WebSocket
    dialogs: list[str]


async def open_inbox(env: Env, role: Role, path: str = "/app?view=all") -> Tab:
    """A new tab of `role` on `path`, once its socket is connected and its list loaded."""
    context = await member_context(env, role)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    dialogs = watch_dialogs(page)
    async with page.expect_websocket(timeout=WAIT_MS) as socket:
        await page.goto(env.url(path))
    ws = await socket.value
    # The list loads after the socket's `ready`, so that no event falls between the two.
    await page.locator("[data-rows] [data-row]").first.wait_for(timeout=WAIT_MS)
    return Tab(page, errors, ws, dialogs)


async def heartbeats(ws: WebSocket, count: int) -> None:
    """Waits until `count` more heartbeats arrived: time passing, without a sleep."""
    for _ in range(count):
        await ws.wait_for_event(
            "framereceived", lambda payload: '"heartbeat"' in str(payload), timeout=WAIT_MS
        )


@dataclass
class Visitor:
    """A website visitor writing through the widget API."""

    token: str
    conversation_id: str = ""

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Origin": SHOP}


async def new_visitor(env: Env, name: str, **browser: str) -> Visitor:
    async with env.http() as http:
        started = await http.post(
            "/api/v1/widget/sessions",
            json={
                "public_key": env.world.a.workspace.public_key,
                "browser": {"page_url": f"{SHOP}/pricing", "language": "en-GB", **browser},
            },
            headers={"Origin": SHOP},
        )
        assert started.status_code == 200, started.text
        visitor = Visitor(started.json()["token"])
        named = await http.patch("/api/v1/widget/me", json={"name": name}, headers=visitor.headers)
        assert named.status_code == 200, named.text
    return visitor


async def visitor_writes(env: Env, visitor: Visitor, body: str) -> dict[str, Any]:
    """The visitor's first message starts their conversation; later ones go into it."""
    async with env.http() as http:
        if not visitor.conversation_id:
            response = await http.post(
                "/api/v1/widget/conversations",
                json={"subject": "", "body": body},
                headers=visitor.headers,
            )
            assert response.status_code == 201, response.text
            visitor.conversation_id = response.json()["id"]
            return dict(response.json())
        response = await http.post(
            f"/api/v1/widget/conversations/{visitor.conversation_id}/messages",
            json={"body": body, "client_message_id": str(uuid.uuid4())},
            headers=visitor.headers,
        )
        assert response.status_code == 201, response.text
        return dict(response.json())


async def visitor_history(env: Env, visitor: Visitor) -> list[dict[str, Any]]:
    async with env.http() as http:
        response = await http.get(
            f"/api/v1/widget/conversations/{visitor.conversation_id}/messages?limit=200",
            headers=visitor.headers,
        )
        assert response.status_code == 200, response.text
        return list(response.json()["items"])


def row(page: Page, conversation_id: str) -> Locator:
    return page.locator(f'[data-row="{conversation_id}"]')


async def agent_posts(
    env: Env, role: Role, conversation_id: str, body: str, **fields: object
) -> dict[str, Any]:
    async with env.http() as http:
        response = await http.post(
            f"/api/v1/conversations/{conversation_id}/messages",
            json={"body": body, **fields},
            headers=env.headers(role),
        )
        assert response.status_code == 201, response.text
        return dict(response.json())


async def agent_uploads(
    env: Env, role: Role, conversation_id: str, filename: str, content: bytes, content_type: str
) -> dict[str, Any]:
    async with env.http() as http:
        response = await http.post(
            f"/api/v1/conversations/{conversation_id}/attachments",
            files={"file": (filename, content, content_type)},
            headers=env.headers(role),
        )
        assert response.status_code == 201, response.text
        return dict(response.json())
