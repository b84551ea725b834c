"""Conversations: starting one, reading it, updating it."""

import httpx

from helpline.conversations.models import Owner, SenderKind, Status
from helpline.core.runtime import Runtime
from helpline.tenancy.models import Role
from tests.conversations.support import (
    CONVERSATIONS,
    conversation_row,
    messages_of,
    send,
    start,
    system_events,
    url,
)
from tests.fixtures.world import World


class TestStartConversation:
    async def test_an_agent_starts_an_outbound_conversation(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agent = world.a.member(Role.agent)

        created = await start(
            client, agent.headers, world.a.contact.id, subject=" Renewal ", body=" Hi there! "
        )

        # The world's conversation is #1 in each workspace.
        assert created["number"] == 2
        assert (created["status"], created["owner"], created["channel"]) == (
            "open",
            "nobody",
            "api",
        )
        assert created["subject"] == "Renewal"
        assert created["contact"] == {
            "id": str(world.a.contact.id),
            "name": "Visitor A",
            "email": "visitor@a.example",
        }
        assert (created["last_seq"], created["labels"], created["assignee_id"]) == (1, [], None)
        [message] = await messages_of(runtime, created["id"])
        assert (message.seq, message.sender_kind, message.body) == (
            1,
            SenderKind.agent,
            "Hi there!",
        )
        assert message.sender_member_id == agent.membership.id
        row = await conversation_row(runtime, created["id"])
        assert row.workspace_id == world.a.workspace.id
        # An agent writing first is not a response to anyone.
        assert (row.waiting_since, row.first_response_at) == (None, None)

    async def test_public_ids_are_random_and_numbers_per_workspace(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        a, b = world.a.member(Role.agent).headers, world.b.member(Role.agent).headers

        first = await start(client, a, world.a.contact.id)
        second = await start(client, a, world.a.contact.id, channel="email")
        other = await start(client, b, world.b.contact.id)

        assert [first["number"], second["number"], other["number"]] == [2, 3, 2]
        assert second["channel"] == "email"
        assert first["last_seq"] == 0
        ids = [first["public_id"], second["public_id"], other["public_id"]]
        assert len(set(ids)) == 3
        assert all(len(i) >= 20 and not i.isdigit() for i in ids)

    async def test_an_api_key_speaks_as_an_agent_with_no_member(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        created = await start(client, world.a.api_key_headers, world.a.contact.id, body="Hello")

        [message] = await messages_of(runtime, created["id"])
        assert (message.sender_kind, message.sender_member_id) == (SenderKind.agent, None)
        assert message.data == {"api_key": "full"}

    async def test_body_and_subject_limits(self, client: httpx.AsyncClient, world: World) -> None:
        headers = world.a.member(Role.agent).headers
        contact_id = str(world.a.contact.id)

        blank = await client.post(
            CONVERSATIONS, json={"contact_id": contact_id, "body": "   "}, headers=headers
        )
        long_subject = await client.post(
            CONVERSATIONS, json={"contact_id": contact_id, "subject": "x" * 301}, headers=headers
        )

        assert blank.status_code == long_subject.status_code == 422
        assert blank.json()["error"] == "ValidationError"


class TestGetConversation:
    async def test_reads_the_worlds_conversation(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        response = await client.get(
            url(world.a.conversation.id), headers=world.a.member(Role.agent).headers
        )

        assert response.status_code == 200
        read = response.json()
        assert read["id"] == str(world.a.conversation.id)
        assert (read["number"], read["channel"], read["last_seq"]) == (1, "widget", 1)
        # The contact wrote first: they are waiting for an answer.
        assert read["waiting_since"] is not None
        assert read["first_response_at"] is None


class TestUpdateConversation:
    async def test_resolve_then_reopen(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        conversation = world.a.conversation.id
        headers = world.a.member(Role.agent).headers

        resolved = await client.patch(
            url(conversation), json={"status": "resolved"}, headers=headers
        )
        again = await client.patch(url(conversation), json={"status": "resolved"}, headers=headers)
        row = await conversation_row(runtime, conversation)
        reopened = await client.patch(url(conversation), json={"status": "open"}, headers=headers)

        assert resolved.status_code == again.status_code == reopened.status_code == 200
        assert resolved.json()["status"] == "resolved"
        assert row.resolved_at is not None
        assert row.waiting_since is None
        assert reopened.json()["resolved_at"] is None
        # Resolving twice records it once.
        assert await system_events(runtime, conversation) == ["resolved", "reopened"]
        [resolved_message, _] = [m for m in await messages_of(runtime, conversation) if m.event]
        assert resolved_message.data == {"previous_status": "open"}
        assert resolved_message.sender_kind == SenderKind.system
        assert resolved_message.sender_member_id == world.a.member(Role.agent).membership.id

    async def test_priority_subject_and_pending(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        conversation = world.a.conversation.id

        response = await client.patch(
            url(conversation),
            json={"priority": "high", "subject": "  Invoice missing ", "status": "pending"},
            headers=world.a.api_key_headers,
        )

        assert response.status_code == 200, response.text
        read = response.json()
        assert (read["priority"], read["subject"], read["status"]) == (
            "high",
            "Invoice missing",
            "pending",
        )
        events = [m for m in await messages_of(runtime, conversation) if m.event]
        assert [(m.event, m.data) for m in events] == [
            (
                "priority_changed",
                {"priority": "high", "previous_priority": "none", "api_key": "full"},
            ),
            ("pending", {"previous_status": "open", "api_key": "full"}),
        ]
        row = await conversation_row(runtime, conversation)
        assert (row.status, row.owner) == (Status.pending, Owner.nobody)

    async def test_an_unchanged_priority_is_not_recorded(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        conversation = world.a.conversation.id
        headers = world.a.member(Role.agent).headers

        responses = [
            await client.patch(url(conversation), json={"priority": "low"}, headers=headers)
            for _ in range(2)
        ]

        assert [r.json()["priority"] for r in responses] == ["low", "low"]
        assert await system_events(runtime, conversation) == ["priority_changed"]
        assert (await conversation_row(runtime, conversation)).status == Status.open

    async def test_snoozing_needs_its_own_endpoint(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        response = await client.patch(
            url(world.a.conversation.id),
            json={"status": "snoozed"},
            headers=world.a.member(Role.agent).headers,
        )

        assert response.status_code == 422


async def test_messages_count_as_activity(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    before = await conversation_row(runtime, world.a.conversation.id)

    await send(client, world.a.member(Role.agent).headers, world.a.conversation.id, "On it")

    after = await conversation_row(runtime, world.a.conversation.id)
    assert after.last_activity_at > before.last_activity_at
