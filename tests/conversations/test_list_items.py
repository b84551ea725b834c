"""What a member's conversation list carries besides the conversation: its newest message and
how much of it the member has not read, so the inbox shows both without asking again."""

from typing import Any

import httpx

from helpline.conversations import service as conversations
from helpline.conversations.access import access_conversation
from helpline.conversations.repository import UNREAD_COUNT_CAP
from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.tenancy.models import Role
from tests.conversations.support import CONVERSATIONS, member_principal, send, url
from tests.fixtures.world import World


async def _item(client: httpx.AsyncClient, headers: dict[str, str], world: World) -> dict[str, Any]:
    page = await client.get(CONVERSATIONS, headers=headers)
    assert page.status_code == 200, page.text
    [item] = [c for c in page.json()["items"] if c["id"] == str(world.a.conversation.id)]
    found: dict[str, Any] = item
    return found


async def test_the_list_shows_the_newest_message_and_what_is_unread(
    client: httpx.AsyncClient, world: World
) -> None:
    agent = world.a.member(Role.agent)
    conversation = world.a.conversation.id
    first = await _item(client, agent.headers, world)
    # The visitor's first message, not read yet.
    assert first["unread_count"] == 1
    assert first["last_message"]["seq"] == 1
    for body in ("Are you there?", "Hello?"):
        wrote = await client.post(
            f"/api/v1/widget/conversations/{conversation}/messages",
            json={"body": body},
            headers=world.a.visitor_headers,
        )
        assert wrote.status_code == 201, wrote.text
    item = await _item(client, agent.headers, world)
    assert item["unread_count"] == 3
    assert item["last_message"]["body"] == "Hello?"
    # My own reply is not unread to me; a system event is no message someone wrote.
    await send(client, agent.headers, conversation, "Yes, here.")
    claimed = await client.post(url(conversation, "claim"), headers=agent.headers)
    assert claimed.status_code == 200, claimed.text
    item = await _item(client, agent.headers, world)
    assert item["unread_count"] == 3
    assert item["last_message"]["body"] == "Yes, here."
    # Someone else's note is unread to me, and to them it is not.
    owner = world.a.member(Role.owner)
    await send(client, owner.headers, conversation, "Refund approved.", private=True)
    item = await _item(client, agent.headers, world)
    assert item["unread_count"] == 4
    assert item["last_message"]["private"] is True
    read = await client.post(
        url(conversation, "read"), json={"seq": item["last_seq"]}, headers=agent.headers
    )
    assert read.status_code == 200, read.text
    assert (await _item(client, agent.headers, world))["unread_count"] == 0
    assert (await _item(client, owner.headers, world))["unread_count"] == 4


async def test_api_keys_have_no_read_position(client: httpx.AsyncClient, world: World) -> None:
    item = await _item(client, world.a.api_key_headers, world)
    assert item["unread_count"] is None
    assert item["last_message"]["seq"] == 1


async def test_a_long_backlog_counts_up_to_the_cap_and_the_newest_is_found_behind_events(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    """The list reads the end of each conversation only (its length must not slow the inbox,
    bench/growth.py): unread messages are counted among the newest UNREAD_COUNT_CAP, and the
    newest message someone wrote is found however many system events follow it."""
    agent = world.a.member(Role.agent)
    async with unit_of_work(runtime.sessionmaker) as session:
        visitor = conversations.ContactActor(
            workspace_id=world.a.workspace.id, contact_id=world.a.contact.id
        )
        conversation = await access_conversation(
            session, await member_principal(runtime, agent), world.a.conversation.id
        )
        for n in range(UNREAD_COUNT_CAP + 20):
            await conversations.post_message(session, visitor, conversation, body=f"ping {n}")
    # System events after the last message someone wrote.
    labelled = await client.put(
        url(world.a.conversation.id, "labels"), json={"labels": ["vip"]}, headers=agent.headers
    )
    assert labelled.status_code == 200, labelled.text
    claimed = await client.post(url(world.a.conversation.id, "claim"), headers=agent.headers)
    assert claimed.status_code == 200, claimed.text

    item = await _item(client, agent.headers, world)

    # 120 unread messages: counted among the newest 100 seqs, of which the two events are two.
    assert item["unread_count"] == UNREAD_COUNT_CAP - 2
    assert item["last_message"]["body"] == f"ping {UNREAD_COUNT_CAP + 19}"
    assert item["last_seq"] > item["last_message"]["seq"]
