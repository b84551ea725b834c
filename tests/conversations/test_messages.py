"""Messages: posting (idempotent), private notes, limits, reading the history."""

import httpx
from fastapi import FastAPI

from helpline.conversations.models import SenderKind
from helpline.core.runtime import Runtime
from helpline.tenancy.models import Role
from tests.conversations.support import (
    conversation_row,
    counting_queries,
    messages_of,
    send,
    start,
    url,
)
from tests.fixtures.world import World


class TestPostMessage:
    async def test_an_agent_reply_answers_the_waiting_contact(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agent = world.a.member(Role.agent)
        conversation = world.a.conversation.id

        first = await send(client, agent.headers, conversation, "  Here it is.  ")
        row = await conversation_row(runtime, conversation)
        second = await send(client, agent.headers, conversation, "Anything else?")

        assert first.status_code == second.status_code == 201, first.text
        message = first.json()
        assert (message["seq"], message["body"], message["sender_kind"]) == (
            2,
            "Here it is.",
            "agent",
        )
        assert message["sender_member_id"] == str(agent.membership.id)
        assert (message["private"], message["event"], message["client_message_id"]) == (
            False,
            None,
            None,
        )
        assert second.json()["seq"] == 3
        assert row.first_response_at is not None
        assert row.waiting_since is None
        after = await conversation_row(runtime, conversation)
        # Only the first reply is the first response.
        assert after.first_response_at == row.first_response_at
        assert after.last_seq == 3

    async def test_a_retry_returns_the_original_and_changes_nothing(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        headers = world.a.member(Role.agent).headers
        conversation = world.a.conversation.id

        first = await send(client, headers, conversation, "Refunded.", client_message_id="c-1")
        row = await conversation_row(runtime, conversation)
        retry = await send(client, headers, conversation, "Refunded.", client_message_id="c-1")
        # Even with another body: the client id decides, as it would after a lost answer.
        edited = await send(client, headers, conversation, "Changed", client_message_id="c-1")

        assert first.status_code == 201
        assert retry.status_code == edited.status_code == 200
        assert retry.json() == edited.json() == first.json()
        assert [m.client_message_id for m in await messages_of(runtime, conversation)] == [
            None,
            "c-1",
        ]
        unchanged = await conversation_row(runtime, conversation)
        assert (unchanged.last_seq, unchanged.updated_at) == (row.last_seq, row.updated_at)

    async def test_another_senders_client_id_is_a_conflict(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        conversation = world.a.conversation.id
        note = await send(
            client,
            world.a.member(Role.supervisor).headers,
            conversation,
            "Internal",
            client_message_id="k",
            private=True,
        )

        taken = [
            await send(client, headers, conversation, "Mine", client_message_id="k")
            for headers in (world.a.member(Role.agent).headers, world.a.api_key_headers)
        ]

        assert note.status_code == 201
        assert [r.status_code for r in taken] == [409, 409]
        assert taken[0].json()["error"] == "ClientMessageIdReused"
        assert "Internal" not in taken[0].text
        assert len(await messages_of(runtime, conversation)) == 2

    async def test_client_ids_are_per_conversation(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        headers = world.a.member(Role.agent).headers
        other = await start(client, headers, world.a.contact.id)

        here = await send(client, headers, world.a.conversation.id, "One", client_message_id="x")
        there = await send(client, headers, other["id"], "Two", client_message_id="x")

        assert here.status_code == there.status_code == 201
        assert here.json()["id"] != there.json()["id"]

    async def test_a_private_note_is_not_an_answer(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        before = await conversation_row(runtime, world.a.conversation.id)

        response = await send(
            client,
            world.a.member(Role.supervisor).headers,
            world.a.conversation.id,
            "Check the March invoice run",
            private=True,
        )

        assert response.status_code == 201
        assert response.json()["private"] is True
        row = await conversation_row(runtime, world.a.conversation.id)
        assert row.waiting_since == before.waiting_since
        assert row.first_response_at is None

    async def test_api_keys_post_as_agents_but_write_no_notes(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        public = await send(client, world.a.api_key_headers, world.a.conversation.id, "From CRM")
        note = await send(
            client, world.a.api_key_headers, world.a.conversation.id, "Secret", private=True
        )

        assert public.status_code == 201
        assert (public.json()["sender_kind"], public.json()["sender_member_id"]) == ("agent", None)
        assert public.json()["data"] == {"api_key": "full"}
        assert note.status_code == 403
        assert note.json()["detail"] == "Only members of the workspace write private notes."
        assert len(await messages_of(runtime, world.a.conversation.id)) == 2

    async def test_body_limits(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        headers = world.a.member(Role.agent).headers
        conversation = world.a.conversation.id

        blank = await send(client, headers, conversation, " \n\t ")
        too_long = await send(client, headers, conversation, "x" * 10_001)
        longest = await send(client, headers, conversation, "x" * 10_000)
        padded = await send(client, headers, conversation, "  " + "y" * 10_000 + "  ")
        long_id = await send(client, headers, conversation, "Hi", client_message_id="i" * 65)

        assert blank.status_code == too_long.status_code == long_id.status_code == 422
        assert "body" in blank.json()["detail"]
        assert longest.status_code == padded.status_code == 201
        assert len(padded.json()["body"]) == 10_000
        assert len(await messages_of(runtime, conversation)) == 3

    async def test_posting_costs_the_same_whatever_the_history(
        self, app: FastAPI, client: httpx.AsyncClient, world: World
    ) -> None:
        """A seq comes from the locked row, never from counting or loading the history."""
        headers = world.a.member(Role.agent).headers
        conversation = world.a.conversation.id

        # The first reply ends the contact's wait (a conversation event, two queries more);
        # the ones measured change nothing but the history.
        await send(client, headers, conversation, "hello", client_message_id="q-0")
        with counting_queries(app) as early:
            await send(client, headers, conversation, "first", client_message_id="q-1")
        for n in range(20):
            await send(client, headers, conversation, f"more {n}", client_message_id=f"m-{n}")
        with counting_queries(app) as late:
            response = await send(client, headers, conversation, "last", client_message_id="q-2")

        assert response.json()["seq"] == 24
        assert len(late) == len(early)


class TestListMessages:
    async def _conversation_of(self, client: httpx.AsyncClient, world: World, n: int) -> str:
        headers = world.a.member(Role.agent).headers
        conversation = (await start(client, headers, world.a.contact.id))["id"]
        for i in range(1, n + 1):
            assert (await send(client, headers, conversation, f"m{i}")).status_code == 201
        return conversation

    async def _page(
        self, client: httpx.AsyncClient, world: World, conversation: str, **params: int
    ) -> tuple[list[int], bool]:
        response = await client.get(
            url(conversation, "messages"), params=params, headers=world.a.api_key_headers
        )
        assert response.status_code == 200, response.text
        return [m["seq"] for m in response.json()["items"]], response.json()["has_more"]

    async def test_reading_forwards_and_backwards(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        conversation = await self._conversation_of(client, world, 7)

        assert await self._page(client, world, conversation, after_seq=0, limit=3) == (
            [1, 2, 3],
            True,
        )
        assert await self._page(client, world, conversation, after_seq=3, limit=3) == (
            [4, 5, 6],
            True,
        )
        assert await self._page(client, world, conversation, after_seq=6, limit=3) == ([7], False)
        assert await self._page(client, world, conversation, after_seq=7) == ([], False)
        # Without after_seq: the newest, and further back before a seq.
        assert await self._page(client, world, conversation, limit=3) == ([5, 6, 7], True)
        assert await self._page(client, world, conversation, before_seq=5, limit=3) == (
            [2, 3, 4],
            True,
        )
        assert await self._page(client, world, conversation, before_seq=3, limit=3) == (
            [1, 2],
            False,
        )
        assert await self._page(client, world, conversation, after_seq=2, before_seq=6) == (
            [3, 4, 5],
            False,
        )
        assert await self._page(
            client, world, conversation, after_seq=2, before_seq=6, limit=2
        ) == ([3, 4], True)

    async def test_notes_and_system_messages_are_in_the_history(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        agent = world.a.member(Role.agent).headers
        conversation = world.a.conversation.id
        await send(client, agent, conversation, "Internal", private=True)
        await client.post(url(conversation, "claim"), headers=agent)

        response = await client.get(url(conversation, "messages"), headers=agent)

        items = response.json()["items"]
        assert [(m["seq"], m["sender_kind"], m["private"], m["event"]) for m in items] == [
            (1, "contact", False, None),
            (2, "agent", True, None),
            (3, "system", False, "assigned"),
        ]
        assert items[0]["sender_contact_id"] == str(world.a.contact.id)

    async def test_the_page_size_is_bounded(self, client: httpx.AsyncClient, world: World) -> None:
        response = await client.get(
            url(world.a.conversation.id, "messages"),
            params={"limit": 201},
            headers=world.a.api_key_headers,
        )

        assert response.status_code == 422


async def test_messages_carry_their_sender(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    [first] = await messages_of(runtime, world.a.conversation.id)
    assert (first.sender_kind, first.sender_contact_id) == (SenderKind.contact, world.a.contact.id)
