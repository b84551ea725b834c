"""Read cursors: per reader, forwards only, never beyond the newest message."""

import httpx
from sqlalchemy import func, select

from helpline.conversations.models import Message
from helpline.core.runtime import Runtime
from helpline.tenancy.models import Role
from tests.conversations.support import cursors_of, send, url
from tests.fixtures.api import scalars
from tests.fixtures.world import World


class TestMarkRead:
    async def test_the_cursor_only_moves_forwards(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agent = world.a.member(Role.agent)
        conversation = world.a.conversation.id
        await send(client, agent.headers, conversation, "Reply")

        read = [
            await client.post(url(conversation, "read"), json={"seq": seq}, headers=agent.headers)
            for seq in (1, 2, 1, 0)
        ]

        assert [r.status_code for r in read] == [200] * 4
        assert [r.json()["last_read_seq"] for r in read] == [1, 2, 2, 2]
        assert read[0].json()["conversation_id"] == str(conversation)
        [cursor] = await cursors_of(runtime, conversation)
        assert (cursor.member_id, cursor.contact_id, cursor.last_read_seq) == (
            agent.membership.id,
            None,
            2,
        )

    async def test_each_member_has_a_cursor(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        conversation = world.a.conversation.id
        for role in (Role.agent, Role.owner):
            await client.post(
                url(conversation, "read"), json={"seq": 1}, headers=world.a.member(role).headers
            )

        cursors = await cursors_of(runtime, conversation)
        assert {c.member_id for c in cursors} == {
            world.a.member(Role.agent).membership.id,
            world.a.member(Role.owner).membership.id,
        }

    async def test_beyond_the_newest_message_is_refused(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        response = await client.post(
            url(world.a.conversation.id, "read"),
            json={"seq": 2},
            headers=world.a.member(Role.agent).headers,
        )
        negative = await client.post(
            url(world.a.conversation.id, "read"),
            json={"seq": -1},
            headers=world.a.member(Role.agent).headers,
        )

        assert response.status_code == negative.status_code == 422
        assert response.json()["error"] == "InvalidReadPosition"
        assert await cursors_of(runtime, world.a.conversation.id) == []

    async def test_api_keys_have_no_cursor(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        response = await client.post(
            url(world.a.conversation.id, "read"), json={"seq": 1}, headers=world.a.api_key_headers
        )

        assert response.status_code == 403
        count = await scalars(runtime, select(func.count()).select_from(Message))
        assert list(count) == [2]  # the two worlds' first messages: nothing was written
        assert await cursors_of(runtime, world.a.conversation.id) == []


class TestContactReadSeq:
    async def test_one_conversation_says_how_far_its_contact_read(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        """What an agent opening it needs to show "Seen" (members' own cursors do not count)."""
        agent = world.a.member(Role.agent)
        conversation = world.a.conversation.id
        await send(client, agent.headers, conversation, "Here is the tracking link.")
        opened = await client.get(url(conversation), headers=agent.headers)
        assert opened.json()["contact_read_seq"] == 0
        await client.post(url(conversation, "read"), json={"seq": 2}, headers=agent.headers)
        read = await client.post(
            f"/api/v1/widget/conversations/{conversation}/read",
            json={"seq": 2},
            headers=world.a.visitor_headers,
        )
        assert read.status_code == 200, read.text
        opened = await client.get(url(conversation), headers=agent.headers)
        assert opened.status_code == 200
        assert opened.json()["contact_read_seq"] == 2
