"""A socket's own task sends its frames, its heartbeats among them; a second task receives; a
third, started only then, ends the socket on a resync or at the end of its lifetime, even
mid-send. Heartbeats and lifetimes come from one task for all sockets (sockets/heartbeats.py),
and must reach every socket, idle or not (sockets/session.py)."""

import asyncio
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from starlette.testclient import TestClient, WebSocketDenialResponse
from starlette.websockets import WebSocket
from websockets.asyncio.client import connect

from helpline.app import create_app
from helpline.conversations import events
from helpline.realtime.hub import encode_envelope, workspace_channel
from helpline.realtime.protocol import CloseCode
from helpline.settings import Settings
from helpline.sockets import api as socket_routes
from helpline.tenancy.models import Role
from tests.fixtures.live import LiveServer, observe, subprotocols
from tests.fixtures.world import World


def _socket(world: World, kind: str) -> tuple[str, str]:
    if kind == "widget":
        return "/ws/widget", world.a.visitor_token
    return "/ws/agent", world.a.member(Role.agent).access_token


@pytest.mark.parametrize("kind", ["widget", "agent"])
async def test_an_idle_socket_gets_its_heartbeats_and_still_answers(
    make_server: Callable[..., Any], world: World, kind: str
) -> None:
    path, token = _socket(world, kind)
    async with (
        make_server(ws_heartbeat_interval=timedelta(milliseconds=200)) as server,
        observe(server, path, token) as socket,
    ):
        first = await socket.wait_for(lambda f: f["type"] == "heartbeat")
        after = socket.frames.index(first) + 1
        await socket.wait_for(lambda f: f["type"] == "heartbeat", after=after)
        await socket.send({"type": "ping", "ref": "awake"})
        assert (await socket.wait_for(lambda f: f["type"] == "pong"))["ref"] == "awake"


@pytest.mark.parametrize("kind", ["widget", "agent"])
async def test_a_socket_closes_at_its_maximum_lifetime(
    make_server: Callable[..., Any], world: World, kind: str
) -> None:
    path, token = _socket(world, kind)
    async with (
        make_server(ws_max_lifetime=timedelta(milliseconds=500)) as server,
        observe(server, path, token) as socket,
    ):
        assert await socket.wait_closed() == CloseCode.RECONNECT


async def test_an_idle_visitor_that_falls_behind_is_closed_with_resync(
    make_server: Callable[..., Any], world: World
) -> None:
    """The events arrive all in one turn of the loop, more than the queue holds: the waiting
    send loop is woken by the resync, not by a frame, and closes the socket."""
    async with (
        make_server(ws_queue_size=8) as server,
        observe(server, "/ws/widget", world.a.visitor_token) as visitor,
    ):
        channel = workspace_channel(world.a.workspace.id)
        audience = events.contact_keys(world.a.contact.id)
        for n in range(50):
            server.runtime.broker.publish(channel, encode_envelope(audience, f'{{"n":{n}}}'))
        assert await visitor.wait_closed() == CloseCode.RESYNC


async def test_a_lost_event_closes_every_idle_socket_with_resync(
    server: LiveServer, world: World
) -> None:
    """The broker may have lost something (Redis dropped): every socket, idle in its timed
    wait, closes with the resync code at once."""
    async with (
        observe(server, "/ws/widget", world.a.visitor_token) as visitor,
        observe(server, "/ws/agent", world.a.member(Role.agent).access_token) as agent,
    ):
        server.app.state.hub._resync_everyone()
        assert await visitor.wait_closed() == CloseCode.RESYNC
        assert await agent.wait_closed() == CloseCode.RESYNC


async def test_the_receive_task_ending_the_socket_closes_it(
    server: LiveServer, world: World
) -> None:
    """Too many malformed frames end the receive task; the send loop closes the socket with
    its code."""
    async with observe(server, "/ws/widget", world.a.visitor_token) as visitor:
        for _ in range(25):
            await visitor.ws.send("not json")
        assert await visitor.wait_closed() == CloseCode.PROTOCOL_ERROR


async def test_a_write_stuck_on_a_client_that_reads_nothing_is_given_up_on(
    make_server: Callable[..., Any], world: World
) -> None:
    """The client reads nothing: the send loop's write waits for it for ever. The resync
    that the overflowing queue asks for interrupts that write, and the socket is gone from
    the hub while the client still has not read a byte."""
    async with make_server(ws_queue_size=8) as server:
        ws = await connect(
            f"{server.ws_url}/ws/widget",
            subprotocols=subprotocols(world.a.visitor_token),  # type: ignore[arg-type]
            max_queue=1,  # the client library reads no further ahead either
        )
        hub = server.app.state.hub
        channel = workspace_channel(world.a.workspace.id)
        audience = events.contact_keys(world.a.contact.id)
        frame = "x" * 60_000
        try:
            async with asyncio.timeout(20):
                while hub.connection_count:
                    server.runtime.broker.publish(channel, encode_envelope(audience, frame))
                    await asyncio.sleep(0.001)
        finally:
            ws.transport.abort()


def test_a_handshake_that_raises_is_refused_as_the_rest_api_would(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    """Sockets skip the app's middleware and exception handlers (sockets/api.py): what
    escapes an endpoint before accept is still answered like REST, a busy database with a
    retryable 503."""

    async def busy(websocket: WebSocket) -> None:
        locked = sqlite3.OperationalError("database is locked")
        raise OperationalError("SELECT 1", {}, locked)

    async def broken(websocket: WebSocket) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setitem(socket_routes.ENDPOINTS, "/ws/widget", busy)
    monkeypatch.setitem(socket_routes.ENDPOINTS, "/ws/agent", broken)
    client = TestClient(create_app(settings))
    with pytest.raises(WebSocketDenialResponse) as refused, client.websocket_connect("/ws/widget"):
        pass
    assert refused.value.status_code == 503
    assert refused.value.headers["retry-after"] == "1"
    assert refused.value.json()["error"] == "ServiceUnavailable"
    with pytest.raises(WebSocketDenialResponse) as refused, client.websocket_connect("/ws/agent"):
        pass
    assert refused.value.status_code == 500
    assert refused.value.json()["error"] == "InternalError"


async def test_a_stopping_server_closes_idle_sockets_with_the_restart_code(
    server: LiveServer, world: World
) -> None:
    """Draining: each idle socket's send loop wakes, sends what it owes (the pong of the
    last ping, then nothing else), and closes with 1012; close_all returns with none left."""
    async with (
        observe(server, "/ws/widget", world.a.visitor_token) as visitor,
        observe(server, "/ws/agent", world.a.member(Role.agent).access_token) as agent,
    ):
        await visitor.send({"type": "ping", "ref": "last"})
        await visitor.wait_for(lambda f: f["type"] == "pong")
        assert await server.app.state.hub.close_all(10) == 0
        for socket in (visitor, agent):
            assert await socket.wait_closed() == CloseCode.SERVICE_RESTART
            assert socket.ws.close_reason == "The server is restarting: reconnect."
