"""A Helpline restart in the middle of a conversation, in a real browser: a real `helpline
serve` process is stopped (SIGTERM, as a deploy does) and started again on the same port and
database while a visitor keeps writing. The messages written meanwhile wait as *Sending…*,
and once the server is back everything either side sent shows exactly once in the widget
and is stored exactly once, each under its own client_message_id."""

import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
from playwright.async_api import Browser, Page

from helpline.core.runtime import Runtime
from helpline.tenancy.models import Role
from tests.fixtures.processes import Node, free_port, healthy, start_serve
from tests.fixtures.world import World
from tests.operations.nodes import serve_env
from tests.widget.test_browser import WAIT_MS, browser, demo_site, visitor_sends, watch, widget

__all__ = ["browser"]

# The widget reconnects with backoff (up to 16 s between tries after a long outage, plus
# jitter), so the way back may take a while on a busy machine.
BACK_MS = 60_000
STOP_TIMEOUT_S = 20.0


async def start_node(env: dict[str, str], port: int, log_path: Path) -> Node:
    """`helpline serve` on `port`, once /api/v1/health answers (polled, with a deadline)."""
    node = await start_serve("helpline", env, log_path, port)
    assert await healthy(node), f"helpline serve died on port {port}:\n{node.log_tail()}"
    return node


async def stop_node(node: Node) -> None:
    """SIGTERM, as a deploy or a process manager does: sockets are closed with 1012."""
    node.process.send_signal(signal.SIGTERM)
    with anyio.fail_after(STOP_TIMEOUT_S):
        returncode = await node.process.wait()
    assert returncode == 0, node.log_tail()


class Restartable:
    """One `helpline serve` on the test's database, stopped and started again on its port."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.node: Node | None = None

    @property
    def running(self) -> Node:
        assert self.node is not None, "the server was never started"
        assert self.node.alive, "the server is not running"
        return self.node

    async def start(self, port: int) -> Node:
        self.node = await start_node(self.env, port, self.log_path)
        return self.node

    async def stop(self) -> None:
        await stop_node(self.running)

    async def start_again(self) -> None:
        """On the same port (and database) as before."""
        assert self.node is not None
        assert not self.node.alive
        self.node = await start_node(self.env, self.node.port, self.log_path)


@asynccontextmanager
async def restartable(runtime: Runtime, tmp_path: Path) -> AsyncIterator[Restartable]:
    """A running server; whatever runs when the test ends is killed."""
    server = Restartable(serve_env(runtime, tmp_path / "data"), tmp_path / "helpline.log")
    await server.start(free_port())
    try:
        yield server
    finally:
        node = server.node
        if node is not None and node.alive:
            node.process.kill()
        if node is not None:
            with anyio.move_on_after(15, shield=True):
                await node.process.wait()


async def call(node: Node, world: World, method: str, path: str, **kw: Any) -> Any:
    async with httpx.AsyncClient(base_url=node.http_url, timeout=10.0) as http:
        response = await http.request(
            method, f"/api/v1{path}", headers=world.a.member(Role.owner).headers, **kw
        )
    assert response.status_code < 300, response.text
    return response.json()


async def shows_once(page: Page, text: str) -> None:
    """`text` is in exactly one bubble, a delivered one (not pending, not failed)."""
    bubbles = widget(page).locator("li.msg").filter(has_text=text)
    delivered = bubbles.and_(widget(page).locator("li.msg:not(.sending):not(.failed)"))
    await delivered.first.wait_for(timeout=BACK_MS)
    assert await bubbles.count() == 1, await bubbles.all_inner_texts()


async def test_a_restart_mid_conversation_loses_and_duplicates_nothing(
    browser: Browser, runtime: Runtime, world: World, tmp_path: Path
) -> None:
    async with (
        restartable(runtime, tmp_path) as server,
        demo_site(server.running.http_url, world) as shop,
    ):
        page = await browser.new_page()
        watched = await watch(page)
        await page.goto(shop)
        await widget(page).locator("button.launcher").click()

        await visitor_sends(page, "Before the restart: where is my order?")
        [conversation] = [
            c
            for c in (await call(server.running, world, "GET", "/conversations"))["items"]
            if c["channel"] == "widget" and c["id"] != str(world.a.conversation.id)
        ]
        messages = f"/conversations/{conversation['id']}/messages"
        await call(server.running, world, "POST", messages, json={"body": "It ships tomorrow."})
        await shows_once(page, "It ships tomorrow.")

        await server.stop()
        box = widget(page).locator(".chat textarea")
        while_down = ["While you were away, one", "While you were away, two"]
        for text in while_down:
            await box.fill(text)
            await box.press("Enter")
        pending = widget(page).locator("li.msg.mine.sending")
        for text in while_down:
            await pending.filter(has_text=text).wait_for(timeout=WAIT_MS)
        # After two failed tries the widget says plainly that it is not connected.
        await widget(page).locator(".status").wait_for(timeout=BACK_MS)

        await server.start_again()
        # Written before the widget is back: it must come through the resume.
        await call(server.running, world, "POST", messages, json={"body": "Welcome back."})
        for text in [*while_down, "Welcome back."]:
            await shows_once(page, text)
        await widget(page).locator(".status").wait_for(state="hidden", timeout=BACK_MS)
        # And the live socket carries what comes next.
        await call(server.running, world, "POST", messages, json={"body": "All caught up."})
        await shows_once(page, "All caught up.")

        everything = [
            "Before the restart: where is my order?",
            "It ships tomorrow.",
            *while_down,
            "Welcome back.",
            "All caught up.",
        ]
        for text in everything:
            await shows_once(page, text)
        assert await widget(page).locator("li.msg.sending, li.msg.failed").count() == 0
        stored = (await call(server.running, world, "GET", f"{messages}?limit=50"))["items"]
        said = [m["body"] for m in stored if not m["event"]]
        # Each once. "Welcome back." and the visitor's resent messages may be stored in
        # either order (who reached the server first), the visitor's own in theirs.
        assert sorted(said) == sorted(everything)
        assert said.index(while_down[0]) < said.index(while_down[1])
        assert said[-1] == "All caught up."
        visitor_ids = [m["client_message_id"] for m in stored if m["sender_kind"] == "contact"]
        assert len(visitor_ids) == 3
        assert all(visitor_ids)
        assert len(set(visitor_ids)) == 3
        # The widget shows them in the server's order.
        shown = await widget(page).locator("li.msg").all_inner_texts()
        positions = [next(i for i, b in enumerate(shown) if text in b) for text in said]
        assert positions == sorted(positions)
        assert watched.dialogs == []
        assert await watched.csp_violations() == []
