"""The widget's conversation list (newest message, unread state) and the offline form."""

import httpx

from helpline.contacts.models import Contact
from helpline.core.runtime import Runtime
from helpline.tenancy.models import Role
from tests.conversations.support import conversation_row, messages_of
from tests.fixtures.api import load
from tests.fixtures.world import World

WIDGET = "/api/v1/widget"


async def listed(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, object]]:
    response = await client.get(f"{WIDGET}/conversations", headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


async def test_the_list_shows_the_newest_message_and_whether_it_is_unread(
    client: httpx.AsyncClient, world: World
) -> None:
    conversation_id = str(world.a.conversation.id)
    [mine] = await listed(client, world.a.visitor_headers)
    assert mine["id"] == conversation_id
    assert mine["unread"] is False  # the newest message is the visitor's own
    assert mine["csat"] is None

    agent = world.a.member(Role.agent).headers
    note = {"body": "internal only", "private": True}
    reply = await client.post(
        f"/api/v1/conversations/{conversation_id}/messages", json={"body": "Hello!"}, headers=agent
    )
    await client.post(f"/api/v1/conversations/{conversation_id}/messages", json=note, headers=agent)
    [mine] = await listed(client, world.a.visitor_headers)

    # The note is never the newest message a visitor sees.
    assert isinstance(mine["last_message"], dict)
    assert mine["last_message"]["body"] == "Hello!"
    assert mine["unread"] is True

    read = await client.post(
        f"{WIDGET}/conversations/{conversation_id}/read",
        json={"seq": reply.json()["seq"]},
        headers=world.a.visitor_headers,
    )
    assert read.status_code == 200, read.text
    [mine] = await listed(client, world.a.visitor_headers)
    assert mine["unread"] is False
    assert await listed(client, world.a.other_visitor_headers) == []


async def test_an_offline_message_keeps_the_email_and_waits_labelled(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    response = await client.post(
        f"{WIDGET}/offline-messages",
        json={"email": " Ada@Example.COM ", "name": "Ada", "body": "Call me back, please."},
        headers=world.a.other_visitor_headers,
    )

    assert response.status_code == 201, response.text
    conversation = await conversation_row(runtime, response.json()["id"])
    contact = await load(runtime, Contact, conversation.contact_id)
    assert contact is not None
    assert (contact.email, contact.name) == ("ada@example.com", "Ada")
    [message] = [m for m in await messages_of(runtime, conversation.id) if not m.event]
    assert message.body == "Call me back, please."
    agents = await client.get(
        f"/api/v1/conversations/{conversation.id}", headers=world.a.member(Role.agent).headers
    )
    assert agents.json()["labels"] == ["offline"]
    found = await client.get(
        "/api/v1/conversations",
        params={"label": "offline"},
        headers=world.a.member(Role.agent).headers,
    )
    assert [c["id"] for c in found.json()["items"]] == [str(conversation.id)]


async def test_an_offline_message_needs_a_valid_email_and_a_message(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    bad_email = await client.post(
        f"{WIDGET}/offline-messages",
        json={"email": "not an email", "body": "Hello"},
        headers=world.a.other_visitor_headers,
    )
    no_body = await client.post(
        f"{WIDGET}/offline-messages",
        json={"email": "ada@example.com", "body": "  "},
        headers=world.a.other_visitor_headers,
    )

    assert (bad_email.status_code, bad_email.json()["error"]) == (422, "InvalidContact")
    assert no_body.status_code == 422
    assert await listed(client, world.a.other_visitor_headers) == []
