"""Many nodes: two servers sharing one Redis pass events, presence and typing between them,
and a node that lost Redis tells its clients to resync."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from helpline.realtime.protocol import CloseCode
from helpline.tenancy.models import Role
from tests.fixtures.live import LiveServer, observe
from tests.fixtures.private_redis import PrivateRedis
from tests.fixtures.world import World


@pytest.fixture
def two_nodes(
    make_server: Callable[..., Any], redis_url: str
) -> Callable[[], contextlib.AbstractAsyncContextManager[tuple[LiveServer, LiveServer]]]:
    @contextlib.asynccontextmanager
    async def start() -> AsyncIterator[tuple[LiveServer, LiveServer]]:
        async with (
            make_server(redis_url=redis_url) as first,
            make_server(redis_url=redis_url) as second,
        ):
            yield first, second

    return start


async def test_an_event_crosses_nodes(two_nodes: Callable[..., Any], world: World) -> None:
    owner = world.a.member(Role.owner)
    async with (
        two_nodes() as (first, second),
        observe(first, "/ws/agent", owner.access_token) as agent,
        observe(second, "/ws/widget", world.a.visitor_token) as visitor,
        second.client() as http,
    ):
        # Subscriptions are per workspace and per node; the visitor's node publishes.
        response = await http.post(
            f"/api/v1/widget/conversations/{world.a.conversation.id}/messages",
            headers=world.a.visitor_headers,
            json={"body": "From node two", "client_message_id": "n2"},
        )
        assert response.status_code == 201, response.text
        frame = await agent.wait_for(lambda f: f["type"] == "message.created")
        assert frame["message"]["id"] == response.json()["id"]
        # And back: the agent answers on node one, the visitor hears it on node two.
        await agent.send(
            {
                "type": "send",
                "conversation_id": str(world.a.conversation.id),
                "body": "From node one",
                "client_message_id": "n1",
            }
        )
        answer = await visitor.wait_for(
            lambda f: f["type"] == "message.created" and f["message"]["body"] == "From node one"
        )
        assert answer["message"]["sender_kind"] == "agent"
        await agent.send(
            {
                "type": "typing",
                "conversation_id": str(world.a.conversation.id),
                "is_typing": True,
            }
        )
        await visitor.wait_for(lambda f: f["type"] == "typing")


async def test_presence_crosses_nodes(two_nodes: Callable[..., Any], world: World) -> None:
    owner, agent = world.a.member(Role.owner), world.a.member(Role.agent)
    async with (
        two_nodes() as (first, second),
        observe(first, "/ws/agent", owner.access_token) as watcher,
    ):
        async with observe(second, "/ws/agent", agent.access_token) as colleague:
            await watcher.wait_for(lambda f: f["type"] == "presence" and f["online"])
            assert str(owner.membership.id) in colleague.frames[0]["online_member_ids"]
        await watcher.wait_for(lambda f: f["type"] == "presence" and not f["online"])


async def _health_becomes(http: httpx.AsyncClient, wanted: str) -> None:
    async with asyncio.timeout(10):
        while (await http.get("/api/v1/health")).json()["status"] != wanted:  # noqa: ASYNC110 (polls a state behind HTTP)
            await asyncio.sleep(0.02)


async def test_losing_redis_makes_clients_resync(
    make_server: Callable[..., Any], world: World
) -> None:
    """Redis goes away: the node's clients are closed with the resync code at once (only
    REST has the news now) and health says degraded; when Redis is back, the node
    resubscribes by itself, tells its clients to resync again, and reports ok."""
    redis = PrivateRedis()
    token = world.a.member(Role.owner).access_token
    await redis.start()
    try:
        async with make_server(redis_url=redis.url) as server, server.client() as http:
            async with observe(server, "/ws/agent", token) as agent:
                await redis.stop()
                assert await agent.wait_closed() == CloseCode.RESYNC
            await _health_becomes(http, "degraded")
            # REST still works without Redis.
            me = await http.get("/api/v1/me", headers=world.a.member(Role.owner).headers)
            assert me.status_code == 200, me.text
            async with observe(server, "/ws/agent", token) as during:
                await redis.start()
                assert await during.wait_closed() == CloseCode.RESYNC
            await _health_becomes(http, "ok")
            async with (
                observe(server, "/ws/agent", token) as after,
                observe(server, "/ws/widget", world.a.visitor_token) as visitor,
            ):
                await visitor.send(
                    {
                        "type": "send",
                        "conversation_id": str(world.a.conversation.id),
                        "body": "Back online",
                        "client_message_id": "back",
                    }
                )
                await after.wait_for(lambda f: f["type"] == "message.created")
    finally:
        await redis.stop()
