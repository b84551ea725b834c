"""/ws/widget: the visitor's own conversations, in the visitor's shapes, never notes."""

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from helpline.realtime.protocol import CloseCode
from helpline.tenancy.models import Role
from tests.fixtures.live import LiveServer, observe, subprotocols
from tests.fixtures.world import TINY_PNG, World

SHOP = "https://shop.a.example"


async def _allow_origin(server: LiveServer, world: World, origin: str) -> None:
    async with server.client() as http:
        response = await http.patch(
            "/api/v1/workspace",
            headers=world.a.member(Role.owner).headers,
            json={"settings": {"widget_origins": [origin]}},
        )
        assert response.status_code == 200, response.text


async def _refusal(
    server: LiveServer, token: str, origin: str | None
) -> tuple[int, dict[str, Any]]:
    with pytest.raises(InvalidStatus) as refused:
        await connect(
            f"{server.ws_url}/ws/widget",
            subprotocols=subprotocols(token),  # type: ignore[arg-type]
            additional_headers={"Origin": origin} if origin else None,
        )
    response = refused.value.response
    return response.status_code, json.loads(response.body or b"{}")


async def test_handshake_checks_token_and_origin(server: LiveServer, world: World) -> None:
    await _allow_origin(server, world, SHOP)
    assert (await _refusal(server, "hlv_forged", SHOP))[0] == 401
    # A member's token is no visitor token.
    assert (await _refusal(server, world.a.member(Role.owner).access_token, SHOP))[0] == 401
    status, body = await _refusal(server, world.a.visitor_token, "https://evil.example")
    assert (status, body["error"]) == (403, "OriginNotAllowed")
    async with observe(server, "/ws/widget", world.a.visitor_token, origin=SHOP) as socket:
        assert socket.frames[0]["type"] == "ready"


async def test_visitor_gets_replies_but_never_notes(server: LiveServer, world: World) -> None:
    conversation = world.a.conversation
    admin = world.a.member(Role.admin)
    async with (
        observe(server, "/ws/widget", world.a.visitor_token) as visitor,
        server.client() as http,
    ):
        base = f"/api/v1/conversations/{conversation.id}"
        note = await http.post(
            f"{base}/messages",
            headers=admin.headers,
            json={"body": "VIP customer, be nice", "private": True},
        )
        assert note.status_code == 201, note.text
        reply = await http.post(f"{base}/messages", headers=admin.headers, json={"body": "Hi!"})
        assert reply.status_code == 201, reply.text
        frame = await visitor.wait_for(lambda f: f["type"] == "message.created")
        assert frame["message"]["id"] == reply.json()["id"]
        assert frame["message"]["body"] == "Hi!"
        # The visitor's shape: no member ids, no private flag, no internal data.
        assert "sender_member_id" not in frame["message"]
        assert "data" not in frame["message"]
        assert note.json()["id"] not in json.dumps(visitor.frames)
        assert "VIP customer" not in json.dumps(visitor.frames)


async def test_other_contacts_conversations_stay_silent(server: LiveServer, world: World) -> None:
    admin = world.a.member(Role.admin)
    async with observe(server, "/ws/widget", world.a.other_visitor_token) as stranger:
        async with server.client() as http:
            reply = await http.post(
                f"/api/v1/conversations/{world.a.conversation.id}/messages",
                headers=admin.headers,
                json={"body": "For the first visitor only"},
            )
            assert reply.status_code == 201
            # The stranger asks for it by id: not found, like a missing conversation.
            await stranger.send(
                {
                    "type": "resume",
                    "ref": "peek",
                    "conversations": {str(world.a.conversation.id): 0},
                }
            )
            error = await stranger.wait_for(lambda f: f["type"] == "error")
            assert (error["ref"], error["error"]) == ("peek", "NotFound")
        assert not stranger.of_type("message.created")


async def test_visitor_sends_over_the_socket_and_agents_see_typing(
    server: LiveServer, world: World
) -> None:
    conversation_id = str(world.a.conversation.id)
    owner = world.a.member(Role.owner)
    async with (
        observe(server, "/ws/widget", world.a.visitor_token) as visitor,
        observe(server, "/ws/agent", owner.access_token) as agent,
    ):
        await visitor.send(
            {"type": "typing", "conversation_id": conversation_id, "is_typing": True}
        )
        typing = await agent.wait_for(lambda f: f["type"] == "typing")
        assert (typing["sender_kind"], typing["is_typing"]) == ("contact", True)
        await visitor.send(
            {
                "type": "send",
                "ref": "1",
                "conversation_id": conversation_id,
                "body": "Any news?",
                "client_message_id": "w-1",
            }
        )
        ack = await visitor.wait_for(lambda f: f["type"] == "ack")
        seen = await agent.wait_for(lambda f: f["type"] == "message.created")
        assert seen["message"]["id"] == ack["message"]["id"]
        # An agent typing a note is not shown to the visitor; a reply is, without who.
        await agent.send(
            {
                "type": "typing",
                "conversation_id": conversation_id,
                "is_typing": True,
                "private": True,
            }
        )
        await agent.send({"type": "typing", "conversation_id": conversation_id, "is_typing": True})
        shown = await visitor.wait_for(lambda f: f["type"] == "typing")
        assert (shown["private"], shown["member_id"]) == (False, None)
        assert len(visitor.of_type("typing")) == 1


async def test_visitor_gets_the_files_of_replies_but_never_of_notes(
    server: LiveServer, world: World
) -> None:
    conversation_id = str(world.a.conversation.id)
    admin = world.a.member(Role.admin)
    base = f"/api/v1/conversations/{conversation_id}"

    async def upload(http: httpx.AsyncClient, filename: str) -> str:
        response = await http.post(
            f"{base}/attachments",
            headers=admin.headers,
            files={"file": (filename, TINY_PNG, "image/png")},
        )
        assert response.status_code == 201, response.text
        attachment_id: str = response.json()["id"]
        return attachment_id

    async with (
        observe(server, "/ws/widget", world.a.visitor_token) as visitor,
        server.client() as http,
    ):
        secret = await upload(http, "internal.png")
        note = await http.post(
            f"{base}/messages",
            headers=admin.headers,
            json={"body": "Refund approved", "private": True, "attachment_ids": [secret]},
        )
        assert note.status_code == 201, note.text
        shared = await upload(http, "label.png")
        reply = await http.post(
            f"{base}/messages",
            headers=admin.headers,
            json={"body": "Your label", "attachment_ids": [shared]},
        )
        assert reply.status_code == 201, reply.text

        frame = await visitor.wait_for(lambda f: f["type"] == "message.created")
        assert frame["message"]["id"] == reply.json()["id"]
        [file] = frame["message"]["attachments"]
        assert file["id"] == shared
        assert file["url"] == f"/api/v1/widget/attachments/{shared}"
        download = await http.get(file["url"], headers=world.a.visitor_headers)
        assert download.content == TINY_PNG

        # The resume backlog carries the files too, and still not the note.
        await visitor.send({"type": "resume", "ref": "r", "conversations": {conversation_id: 0}})
        await visitor.wait_for(lambda f: f["type"] == "resumed")
        replayed = [
            f["message"]
            for f in visitor.of_type("message.created")
            if f["message"]["id"] == reply.json()["id"]
        ]
        assert [m["attachments"] for m in replayed] == [[file], [file]]
        for hidden in (note.json()["id"], secret, "internal.png", "Refund approved"):
            assert hidden not in json.dumps(visitor.frames)


async def test_an_ended_visitor_session_closes_its_socket_and_no_other(
    make_server: Callable[..., Any], world: World
) -> None:
    """Open widget sockets are re-checked together, in one query per interval: the socket of
    the ended session closes as unauthorized; the other visitor's, checked in the same pass,
    is still served."""
    async with (
        make_server(ws_auth_recheck=timedelta(milliseconds=100)) as server,
        observe(server, "/ws/widget", world.a.visitor_token) as ended,
        observe(server, "/ws/widget", world.a.other_visitor_token) as other,
        server.client() as http,
    ):
        response = await http.post("/api/v1/widget/sessions/end", headers=world.a.visitor_headers)
        assert response.status_code == 204, response.text
        assert await ended.wait_closed() == CloseCode.UNAUTHORIZED
        await other.send({"type": "ping", "ref": "still here"})
        pong = await other.wait_for(lambda f: f["type"] == "pong")
        assert pong["ref"] == "still here"


async def test_suspending_a_workspace_closes_its_visitors_sockets_only(
    make_server: Callable[..., Any], world: World
) -> None:
    async with (
        make_server(ws_auth_recheck=timedelta(milliseconds=100)) as server,
        observe(server, "/ws/widget", world.a.visitor_token) as suspended,
        observe(server, "/ws/widget", world.b.visitor_token) as elsewhere,
        server.client() as http,
    ):
        response = await http.patch(
            f"/api/v1/platform/workspaces/{world.a.workspace.id}",
            json={"status": "suspended"},
            headers=world.staff_headers,
        )
        assert response.status_code == 200, response.text
        assert await suspended.wait_closed() == CloseCode.UNAUTHORIZED
        await elsewhere.send({"type": "ping", "ref": "still here"})
        assert (await elsewhere.wait_for(lambda f: f["type"] == "pong"))["ref"] == "still here"
