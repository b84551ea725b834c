"""/ws/agent: the handshake, events as they happen, sending, resuming, and revocation."""

import asyncio
import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from helpline.realtime.hub import encode_envelope, workspace_channel
from helpline.realtime.protocol import CloseCode
from helpline.sockets.conversation_peer import MAX_SENDS_IN_FLIGHT
from helpline.tenancy.models import Role
from tests.attachments.support import uploaded
from tests.fixtures.live import LiveServer, observe, subprotocols
from tests.fixtures.world import World


async def _refused(
    server: LiveServer, token: str, origin: str | None = None
) -> tuple[int, dict[str, Any]]:
    headers = {"Origin": origin} if origin else None
    with pytest.raises(InvalidStatus) as refused:
        await connect(
            f"{server.ws_url}/ws/agent",
            subprotocols=subprotocols(token),  # type: ignore[arg-type]
            additional_headers=headers,
        )
    response = refused.value.response
    return response.status_code, json.loads(response.body or b"{}")


async def test_handshake_refuses_bad_credentials_and_foreign_origins(
    server: LiveServer, world: World
) -> None:
    assert (await _refused(server, "not-a-token"))[0] == 401
    status, body = await _refused(server, world.staff_access_token)
    assert (status, body["error"]) == (403, "PermissionDenied")
    status, body = await _refused(
        server, world.a.member(Role.agent).access_token, origin="https://evil.example"
    )
    assert (status, body["error"]) == (403, "PermissionDenied")
    # A visitor token is no member credential.
    assert (await _refused(server, world.a.visitor_token))[0] == 401


async def test_agent_receives_a_visitor_message_posted_over_rest(
    server: LiveServer, world: World
) -> None:
    agent = world.a.member(Role.agent)
    conversation = world.a.conversation
    async with observe(server, "/ws/agent", agent.access_token) as socket, server.client() as http:
        assert socket.frames[0]["type"] == "ready"
        response = await http.post(
            f"/api/v1/widget/conversations/{conversation.id}/messages",
            headers=world.a.visitor_headers,
            json={"body": "Still waiting", "client_message_id": "v-1"},
        )
        assert response.status_code == 201, response.text
        frame = await socket.wait_for(lambda f: f["type"] == "message.created")
        assert frame["conversation_id"] == str(conversation.id)
        assert frame["message"]["body"] == "Still waiting"
        assert frame["message"]["id"] == response.json()["id"]
        assert frame["message"]["seq"] == response.json()["seq"]


async def test_send_is_acked_after_commit_and_idempotent(server: LiveServer, world: World) -> None:
    agent = world.a.member(Role.owner)
    conversation_id = str(world.a.conversation.id)
    async with observe(server, "/ws/agent", agent.access_token) as socket, server.client() as http:
        send = {
            "type": "send",
            "ref": "r1",
            "conversation_id": conversation_id,
            "body": "On it",
            "client_message_id": "c-1",
        }
        await socket.send(send)
        ack = await socket.wait_for(lambda f: f["type"] == "ack" and f["ref"] == "r1")
        assert ack["duplicate"] is False
        # Committed: REST shows it.
        page = await http.get(
            f"/api/v1/conversations/{conversation_id}/messages",
            headers=agent.headers,
            params={"after_seq": ack["message"]["seq"] - 1},
        )
        assert [m["id"] for m in page.json()["items"]] == [ack["message"]["id"]]
        await socket.send({**send, "ref": "r2"})
        again = await socket.wait_for(lambda f: f["type"] == "ack" and f["ref"] == "r2")
        assert again["duplicate"] is True
        assert again["message"]["id"] == ack["message"]["id"]


async def test_bad_frames_get_error_frames(server: LiveServer, world: World) -> None:
    async with observe(server, "/ws/agent", world.a.member(Role.agent).access_token) as socket:
        await socket.ws.send("not json")
        error = await socket.wait_for(lambda f: f["type"] == "error")
        assert error["error"] == "BadFrame"
        await socket.send({"type": "send", "ref": "x", "conversation_id": str(uuid.uuid4())})
        error = await socket.wait_for(lambda f: f["type"] == "error" and f["ref"] is None, after=2)
        assert "client_message_id" in error["detail"] or "body" in error["detail"]
        # Another workspace's conversation is not found, like a missing one.
        await socket.send(
            {
                "type": "send",
                "ref": "y",
                "conversation_id": str(world.b.conversation.id),
                "body": "hi",
                "client_message_id": "z",
            }
        )
        error = await socket.wait_for(lambda f: f["type"] == "error" and f["ref"] == "y")
        assert (error["error"], error["status"]) == ("NotFound", 404)


async def _post(http: httpx.AsyncClient, world: World, body: str) -> dict[str, Any]:
    response = await http.post(
        f"/api/v1/conversations/{world.a.conversation.id}/messages",
        headers=world.a.member(Role.admin).headers,
        json={"body": body},
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_resume_sends_everything_after_the_clients_seq(
    server: LiveServer, world: World
) -> None:
    agent = world.a.member(Role.owner)
    conversation_id = str(world.a.conversation.id)
    async with server.client() as http:
        posted = [await _post(http, world, f"missed {n}") for n in range(3)]
        held = posted[0]["seq"]
        async with observe(server, "/ws/agent", agent.access_token) as socket:
            await socket.send(
                {"type": "resume", "ref": "r", "conversations": {conversation_id: held}}
            )
            resumed = await socket.wait_for(lambda f: f["type"] == "resumed")
            replayed = [
                f["message"]["seq"]
                for f in socket.of_type("message.created")
                if f["conversation_id"] == conversation_id
            ]
            assert replayed == [p["seq"] for p in posted[1:]]
            assert resumed["last_seq"] == posted[-1]["seq"]
            assert resumed["conversation"]["id"] == conversation_id


async def test_resume_too_far_behind_requires_a_resync(
    make_server: Callable[..., Any], world: World
) -> None:
    async with make_server(ws_resume_limit=2) as server, server.client() as http:
        for n in range(3):
            await _post(http, world, f"missed {n}")
        token = world.a.member(Role.owner).access_token
        async with observe(server, "/ws/agent", token) as socket:
            conversation_id = str(world.a.conversation.id)
            await socket.send({"type": "resume", "conversations": {conversation_id: 0}})
            frame = await socket.wait_for(lambda f: f["type"] == "resync_required")
            assert frame["conversation_id"] == conversation_id
            assert not socket.of_type("message.created")


async def test_logout_closes_the_open_socket(make_server: Callable[..., Any], world: World) -> None:
    agent = world.a.member(Role.agent)
    async with (
        make_server(ws_auth_recheck=timedelta(milliseconds=100)) as server,
        observe(server, "/ws/agent", agent.access_token) as socket,
        server.client() as http,
    ):
        response = await http.post("/api/v1/auth/logout", headers=agent.headers)
        assert response.status_code == 204, response.text
        assert await socket.wait_closed() == CloseCode.UNAUTHORIZED


async def _read_until_closed(ws: ClientConnection) -> ConnectionClosed:
    async with asyncio.timeout(30):
        try:
            while True:
                await ws.recv()
        except ConnectionClosed as closed:
            return closed


async def test_a_client_that_falls_behind_is_closed_with_resync(
    make_server: Callable[..., Any], world: World
) -> None:
    """The client stops reading; the server's queue for it is bounded, and when it is full
    the server closes the socket instead of buffering without end."""
    agent = world.a.member(Role.owner)
    async with make_server(ws_queue_size=8) as server:
        ws = await connect(
            f"{server.ws_url}/ws/agent",
            subprotocols=subprotocols(agent.access_token),  # type: ignore[arg-type]
            max_queue=1,  # the client library reads no further ahead either
        )
        # The ready frame leaves once the socket is registered with the hub: from then on
        # it receives what is published (before, the events would go nowhere).
        assert json.loads(await ws.recv())["type"] == "ready"
        frame = "x" * 60_000
        channel = workspace_channel(world.a.workspace.id)
        # Far more than fits in the queue plus every socket buffer on the way.
        for _ in range(2_000):
            server.runtime.broker.publish(channel, encode_envelope(["all"], frame))
            await asyncio.sleep(0)
        # Only now does the client read: what the server managed to send, then its close.
        closed = await _read_until_closed(ws)
        assert closed.rcvd is not None
        assert closed.rcvd.code == CloseCode.RESYNC


async def test_counts_are_pushed_when_the_inbox_changes(server: LiveServer, world: World) -> None:
    owner = world.a.member(Role.owner)
    async with observe(server, "/ws/agent", owner.access_token) as socket, server.client() as http:
        first = await socket.wait_for(lambda f: f["type"] == "inbox.counts")
        seen = len(socket.frames)
        response = await http.post(
            f"/api/v1/conversations/{world.a.conversation.id}/claim", headers=owner.headers
        )
        assert response.status_code == 200, response.text
        counts = await socket.wait_for(lambda f: f["type"] == "inbox.counts", after=seen)
        assert counts["mine"] == first["mine"] + 1
        assert counts["unassigned"] == first["unassigned"] - 1


async def test_counts_follow_a_conversation_into_a_team(server: LiveServer, world: World) -> None:
    """Each team's open conversations are counted for the team's view, within what the
    member sees: the agent counts the Billing team's, not another team's."""
    owner, agent = world.a.member(Role.owner), world.a.member(Role.agent)
    billing = str(world.a.team.id)
    async with (
        observe(server, "/ws/agent", owner.access_token) as manager,
        observe(server, "/ws/agent", agent.access_token) as member,
        server.client() as http,
    ):
        first = await manager.wait_for(lambda f: f["type"] == "inbox.counts")
        assert billing not in first["teams"]
        seen = [len(manager.frames), len(member.frames)]
        moved = await http.post(
            f"/api/v1/conversations/{world.a.conversation.id}/team",
            headers=owner.headers,
            json={"team_id": billing},
        )
        assert moved.status_code == 200, moved.text
        for socket, after in zip((manager, member), seen, strict=True):
            counts = await socket.wait_for(
                lambda f: f["type"] == "inbox.counts" and f["teams"].get(billing) == 1,
                after=after,
            )
            assert counts["open"] >= 1
        sales = await http.post("/api/v1/teams", headers=owner.headers, json={"name": "Sales"})
        seen = [len(manager.frames), len(member.frames)]
        await http.post(
            f"/api/v1/conversations/{world.a.conversation.id}/team",
            headers=owner.headers,
            json={"team_id": sales.json()["id"]},
        )
        counts = await manager.wait_for(
            lambda f: f["type"] == "inbox.counts" and sales.json()["id"] in f["teams"],
            after=seen[0],
        )
        assert billing not in counts["teams"]
        # The agent lost sight of it: neither team shows it to them.
        counts = await member.wait_for(
            lambda f: f["type"] == "inbox.counts" and billing not in f["teams"],
            after=seen[1],
        )
        assert sales.json()["id"] not in counts["teams"]


async def test_presence_is_announced_to_colleagues(server: LiveServer, world: World) -> None:
    owner, agent = world.a.member(Role.owner), world.a.member(Role.agent)
    async with observe(server, "/ws/agent", owner.access_token) as watcher:
        async with observe(server, "/ws/agent", agent.access_token) as colleague:
            online = await watcher.wait_for(lambda f: f["type"] == "presence" and f["online"])
            assert online["member_id"] == str(agent.membership.id)
            assert str(owner.membership.id) in colleague.frames[0]["online_member_ids"]
        offline = await watcher.wait_for(lambda f: f["type"] == "presence" and not f["online"])
        assert offline["member_id"] == str(agent.membership.id)


async def test_availability_changes_reach_colleagues_not_visitors(
    server: LiveServer, world: World
) -> None:
    owner, agent = world.a.member(Role.owner), world.a.member(Role.agent)
    async with (
        observe(server, "/ws/agent", owner.access_token) as watcher,
        observe(server, "/ws/widget", world.a.visitor_token) as visitor,
        server.client() as http,
    ):
        response = await http.put(
            "/api/v1/me/availability", headers=agent.headers, json={"availability": "busy"}
        )
        assert response.status_code in {200, 204}, response.text
        frame = await watcher.wait_for(lambda f: f["type"] == "availability")
        assert frame == {
            "type": "availability",
            "member_id": str(agent.membership.id),
            "availability": "busy",
        }
        # The visitor hears nothing of it (a ping answered proves the queue is drained).
        await visitor.send({"type": "ping", "ref": "p"})
        await visitor.wait_for(lambda f: f["type"] == "pong")
        assert not visitor.of_type("availability")


async def test_a_file_is_sent_over_the_socket(server: LiveServer, world: World) -> None:
    """Files are uploaded over REST, then sent with the message: its body may be empty."""
    agent = world.a.member(Role.owner)
    conversation_id = str(world.a.conversation.id)
    async with observe(server, "/ws/agent", agent.access_token) as socket, server.client() as http:
        file = await uploaded(http, agent.headers, conversation_id)
        await socket.send(
            {
                "type": "send",
                "ref": "f",
                "conversation_id": conversation_id,
                "client_message_id": "with-file",
                "attachment_ids": [file["id"]],
            }
        )
        ack = await socket.wait_for(lambda f: f["type"] == "ack" and f["ref"] == "f")
        assert [a["id"] for a in ack["message"]["attachments"]] == [file["id"]]
        event = await socket.wait_for(
            lambda f: f["type"] == "message.created" and f["message"]["id"] == ack["message"]["id"]
        )
        assert event["message"]["attachments"] == ack["message"]["attachments"]


async def test_sends_pipelined_on_one_socket_are_all_acked_and_stored_in_order(
    server: LiveServer, world: World
) -> None:
    """A client need not wait for each ack: the socket reads on while earlier sends are being
    written (up to a window), and one conversation's messages keep the order they were sent."""
    owner = world.a.member(Role.owner)
    conversation_id = str(world.a.conversation.id)
    bodies = [f"pipelined {n}" for n in range(3 * MAX_SENDS_IN_FLIGHT)]
    async with observe(server, "/ws/agent", owner.access_token) as socket:
        for n, body in enumerate(bodies):
            await socket.send(
                {
                    "type": "send",
                    "ref": f"p{n}",
                    "conversation_id": conversation_id,
                    "body": body,
                    "client_message_id": f"pipelined-{n}",
                }
            )
        await socket.wait_for(
            lambda _: (
                len([f for f in socket.of_type("ack") if f["ref"].startswith("p")]) == len(bodies)
            )
        )
        acks = {f["ref"]: f["message"] for f in socket.of_type("ack")}
    seqs = [acks[f"p{n}"]["seq"] for n in range(len(bodies))]
    assert seqs == sorted(seqs)
    assert [acks[f"p{n}"]["body"] for n in range(len(bodies))] == bodies
    async with server.client() as http:
        page = await http.get(
            f"/api/v1/conversations/{conversation_id}/messages?limit=100", headers=owner.headers
        )
    stored = [m["body"] for m in page.json()["items"] if m["body"].startswith("pipelined")]
    assert stored == bodies
