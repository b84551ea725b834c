"""The visitor's conversations through the widget API: only their own, never notes."""

import uuid
from typing import Any

import httpx
import pytest

from helpline.conversations.models import Channel, SenderKind
from helpline.core.runtime import Runtime
from helpline.settings import Settings
from helpline.tenancy.models import Role
from tests.conftest import make_settings
from tests.conversations.support import conversation_row, cursors_of, messages_of, send, url
from tests.fixtures.api import serve
from tests.fixtures.world import World

WIDGET = "/api/v1/widget/conversations"


def widget_url(conversation_id: object, action: str = "") -> str:
    return f"{WIDGET}/{conversation_id}" + (f"/{action}" if action else "")


async def history(
    client: httpx.AsyncClient, headers: dict[str, str], conversation_id: object, **params: Any
) -> dict[str, Any]:
    response = await client.get(
        widget_url(conversation_id, "messages"), params=params, headers=headers
    )
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


class TestStartAndList:
    async def test_visitor_starts_a_widget_conversation_with_a_first_message(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        response = await client.post(
            WIDGET,
            json={"subject": "Delivery", "body": "Where is my parcel?"},
            headers=world.a.visitor_headers,
        )

        assert response.status_code == 201, response.text
        created = response.json()
        assert set(created) == {
            "id",
            "public_id",
            "status",
            "subject",
            "agent_assigned",
            "merged",
            "created_at",
            "last_activity_at",
            "resolved_at",
        }
        row = await conversation_row(runtime, created["id"])
        assert (row.contact_id, row.channel, row.workspace_id) == (
            world.a.contact.id,
            Channel.widget,
            world.a.workspace.id,
        )
        [first] = await messages_of(runtime, created["id"])
        assert (first.sender_kind, first.sender_contact_id, first.body) == (
            SenderKind.contact,
            world.a.contact.id,
            "Where is my parcel?",
        )

    async def test_lists_only_the_visitors_own_conversations_in_pages(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        made = [
            (await client.post(WIDGET, json={}, headers=world.a.visitor_headers)).json()["id"]
            for _ in range(3)
        ]
        await client.post(WIDGET, json={}, headers=world.a.other_visitor_headers)

        first = await client.get(WIDGET, params={"limit": 2}, headers=world.a.visitor_headers)
        second = await client.get(
            WIDGET,
            params={"limit": 2, "cursor": first.json()["next_cursor"]},
            headers=world.a.visitor_headers,
        )

        listed = [c["id"] for c in first.json()["items"] + second.json()["items"]]
        assert listed == [*reversed(made), str(world.a.conversation.id)]
        assert second.json()["next_cursor"] is None


class TestVisibility:
    async def test_another_contacts_conversation_is_404_like_a_missing_one(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        theirs = widget_url(world.a.conversation.id)
        missing = widget_url(uuid.uuid4())
        for suffix in ("", "/messages"):
            hidden = await client.get(theirs + suffix, headers=world.a.other_visitor_headers)
            absent = await client.get(missing + suffix, headers=world.a.other_visitor_headers)
            assert hidden.status_code == absent.status_code == 404
            assert hidden.content == absent.content
        posted = await client.post(
            theirs + "/messages", json={"body": "hi"}, headers=world.a.other_visitor_headers
        )
        assert posted.status_code == 404

    async def test_notes_and_internal_events_never_reach_the_visitor(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        admin = world.a.member(Role.admin).headers
        conversation = world.a.conversation.id
        # seq 1 is the visitor's first message; then notes between public replies.
        for n in range(3):
            assert (
                await send(client, admin, conversation, f"note {n}", private=True)
            ).status_code == 201
            assert (await send(client, admin, conversation, f"reply {n}")).status_code == 201
        labelled = await client.put(
            url(conversation, "labels"), json={"labels": ["vip"]}, headers=admin
        )
        assigned = await client.post(
            url(conversation, "assign"),
            json={"member_id": str(world.a.member(Role.agent).membership.id)},
            headers=admin,
        )
        resolved = await client.patch(url(conversation), json={"status": "resolved"}, headers=admin)
        assert labelled.status_code == assigned.status_code == resolved.status_code == 200

        newest = await history(client, world.a.visitor_headers, conversation, limit=2)
        older = await history(
            client,
            world.a.visitor_headers,
            conversation,
            limit=2,
            before_seq=newest["items"][0]["seq"],
        )
        forwards = await history(
            client, world.a.visitor_headers, conversation, after_seq=0, limit=3
        )

        seen = [m["body"] or m["event"] for m in older["items"] + newest["items"]]
        assert seen == ["reply 1", "reply 2", "assigned", "resolved"]
        # Pages are full and has_more exact, although notes sit between the messages.
        assert older["has_more"] is True
        assert [m["body"] for m in forwards["items"]] == [
            "Hello, I cannot find my invoice for March.",
            "reply 0",
            "reply 1",
        ]
        assert forwards["has_more"] is True
        everything = await history(client, world.a.visitor_headers, conversation, after_seq=0)
        assert "note" not in str(everything)
        assert {m["event"] for m in everything["items"]} == {None, "assigned", "resolved"}
        for message in everything["items"]:
            assert set(message) == {
                "id",
                "conversation_id",
                "seq",
                "sender_kind",
                "body",
                "event",
                "client_message_id",
                "created_at",
                "attachments",
                "citations",
            }
            assert message["citations"] == []
        view = await client.get(widget_url(conversation), headers=world.a.visitor_headers)
        assert view.json()["status"] == "resolved"
        assert view.json()["agent_assigned"] is True
        assert str(world.a.member(Role.agent).membership.id) not in view.text
        assert "vip" not in view.text


class TestPostMessage:
    async def test_posting_is_idempotent_with_a_client_message_id(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        conversation = world.a.conversation.id
        body = {"body": "Order 1042.", "client_message_id": "c-1"}

        first = await client.post(
            widget_url(conversation, "messages"), json=body, headers=world.a.visitor_headers
        )
        retry = await client.post(
            widget_url(conversation, "messages"),
            json={**body, "body": "changed"},
            headers=world.a.visitor_headers,
        )

        assert (first.status_code, retry.status_code) == (201, 200)
        assert retry.json() == first.json()
        assert first.json()["client_message_id"] == "c-1"
        bodies = [m.body for m in await messages_of(runtime, conversation)]
        assert bodies.count("Order 1042.") == 1
        assert "changed" not in bodies

    async def test_visitors_cannot_write_notes(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        response = await client.post(
            widget_url(world.a.conversation.id, "messages"),
            json={"body": "psst", "private": True},
            headers=world.a.visitor_headers,
        )
        assert response.status_code == 422

    async def test_agents_client_ids_are_not_shown_to_visitors(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        admin = world.a.member(Role.admin).headers
        sent = await send(client, admin, world.a.conversation.id, "Hi", client_message_id="agent-1")
        assert sent.status_code == 201

        page = await history(client, world.a.visitor_headers, world.a.conversation.id)

        assert page["items"][-1]["body"] == "Hi"
        assert page["items"][-1]["client_message_id"] is None


class TestMarkRead:
    async def test_moves_the_contacts_cursor_forward_only(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        conversation = world.a.conversation.id
        await send(client, world.a.member(Role.admin).headers, conversation, "Answer")

        forward = await client.post(
            widget_url(conversation, "read"), json={"seq": 2}, headers=world.a.visitor_headers
        )
        back = await client.post(
            widget_url(conversation, "read"), json={"seq": 1}, headers=world.a.visitor_headers
        )
        beyond = await client.post(
            widget_url(conversation, "read"), json={"seq": 99}, headers=world.a.visitor_headers
        )

        assert (
            forward.json()
            == back.json()
            == {
                "conversation_id": str(conversation),
                "last_read_seq": 2,
            }
        )
        assert beyond.status_code == 422
        [cursor] = await cursors_of(runtime, conversation)
        assert (cursor.contact_id, cursor.member_id, cursor.last_read_seq) == (
            world.a.contact.id,
            None,
            2,
        )


class TestMessageRateLimit:
    async def test_per_visitor_limit_answers_429(self, settings: Settings, world: World) -> None:
        limited = make_settings(settings.data_dir, widget_message_limit_per_visitor=2)
        messages = widget_url(world.a.conversation.id, "messages")
        async with serve(limited) as (client,):
            sent = [
                (
                    await client.post(
                        messages, json={"body": f"m{n}"}, headers=world.a.visitor_headers
                    )
                ).status_code
                for n in range(2)
            ]
            blocked = await client.post(
                messages, json={"body": "m3"}, headers=world.a.visitor_headers
            )
            other = await client.post(
                WIDGET, json={"body": "hello"}, headers=world.a.other_visitor_headers
            )

        assert sent == [201, 201]
        assert blocked.status_code == 429
        assert int(blocked.headers["Retry-After"]) > 0
        assert other.status_code == 201


@pytest.mark.parametrize("path", [WIDGET, "/api/v1/widget/me"])
async def test_member_tokens_are_refused_on_widget_routes(
    client: httpx.AsyncClient, world: World, path: str
) -> None:
    response = await client.get(path, headers=world.a.member(Role.owner).headers)
    assert response.status_code == 403
