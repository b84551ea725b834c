"""Team visibility: agents see conversations in no team, in their teams, or assigned to them;
owners, admins, supervisors and API keys see all. Hidden looks exactly like missing."""

import uuid

import httpx
import pytest

from helpline.contacts import service as contacts
from helpline.contacts.access import access_contact
from helpline.conversations import service as conversations
from helpline.core.pagination import PageParams
from helpline.core.runtime import Runtime
from helpline.tenancy.models import Role
from tests.conversations.support import (
    CONVERSATIONS,
    member_principal,
    messages_of,
    new_team,
    send,
    service_session,
    start,
    url,
)
from tests.fixtures.world import World


async def _hidden_from_agent(client: httpx.AsyncClient, world: World) -> str:
    """A conversation routed to a team the world's agent is not in."""
    admin = world.a.member(Role.admin).headers
    sales = await new_team(client, world.a, "Sales", world.a.member(Role.supervisor))
    conversation: str = (await start(client, admin, world.a.contact.id, subject="Quote"))["id"]
    routed = await client.post(url(conversation, "team"), json={"team_id": sales}, headers=admin)
    assert routed.status_code == 200
    return conversation


async def _listed(client: httpx.AsyncClient, headers: dict[str, str], **params: str) -> list[str]:
    response = await client.get(CONVERSATIONS, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()["items"]]


class TestAgentOutsideTheTeam:
    async def test_reading_it_looks_like_a_missing_id(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        hidden = await _hidden_from_agent(client, world)
        agent = world.a.member(Role.agent).headers

        for action in ("", "messages"):
            seen = await client.get(url(hidden, action), headers=agent)
            missing = await client.get(url(uuid.uuid4(), action), headers=agent)
            assert seen.status_code == 404, action
            assert (
                seen.json()
                == missing.json()
                == {
                    "error": "NotFound",
                    "detail": "Conversation not found.",
                }
            )

    async def test_writing_to_it_fails_without_a_trace(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        hidden = await _hidden_from_agent(client, world)
        agent = world.a.member(Role.agent).headers
        visible = str(world.a.conversation.id)
        before = len(await messages_of(runtime, hidden))

        attempts = [
            await send(client, agent, hidden, "Let me help"),
            await client.post(url(hidden, "claim"), headers=agent),
            await client.patch(url(hidden), json={"status": "resolved"}, headers=agent),
            await client.put(url(hidden, "labels"), json={"labels": ["x"]}, headers=agent),
            await client.post(url(hidden, "read"), json={"seq": 0}, headers=agent),
            # Merging needs sight of both conversations, in either direction.
            await client.post(
                url(visible, "merge"), json={"into_conversation_id": hidden}, headers=agent
            ),
            await client.post(
                url(hidden, "merge"), json={"into_conversation_id": visible}, headers=agent
            ),
        ]

        assert [r.status_code for r in attempts] == [404] * len(attempts)
        assert len(await messages_of(runtime, hidden)) == before
        assert len(await messages_of(runtime, visible)) == 1

    async def test_it_is_not_listed_or_found(self, client: httpx.AsyncClient, world: World) -> None:
        hidden = await _hidden_from_agent(client, world)
        agent = world.a.member(Role.agent).headers

        assert hidden not in await _listed(client, agent)
        assert await _listed(client, agent, q="Quote") == []
        assert await _listed(client, agent, assignee="unassigned") == [str(world.a.conversation.id)]

    async def test_assigning_it_to_the_agent_shows_it(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        hidden = await _hidden_from_agent(client, world)
        agent = world.a.member(Role.agent)
        await client.post(
            url(hidden, "assign"),
            json={"member_id": str(agent.membership.id)},
            headers=world.a.member(Role.admin).headers,
        )

        assert (await client.get(url(hidden), headers=agent.headers)).status_code == 200
        assert hidden in await _listed(client, agent.headers)

    async def test_joining_the_team_shows_it(self, client: httpx.AsyncClient, world: World) -> None:
        hidden = await _hidden_from_agent(client, world)
        agent = world.a.member(Role.agent)
        team_id = (await client.get(url(hidden), headers=world.a.api_key_headers)).json()["team_id"]
        await client.post(
            f"/api/v1/teams/{team_id}/members",
            json={"member_id": str(agent.membership.id)},
            headers=world.a.member(Role.admin).headers,
        )

        assert (await client.get(url(hidden), headers=agent.headers)).status_code == 200


@pytest.mark.parametrize("role", [Role.owner, Role.admin, Role.supervisor])
async def test_overseers_see_every_team(
    client: httpx.AsyncClient, world: World, role: Role
) -> None:
    hidden = await _hidden_from_agent(client, world)
    headers = world.a.member(role).headers

    assert (await client.get(url(hidden), headers=headers)).status_code == 200
    assert hidden in await _listed(client, headers)
    assert (await send(client, headers, hidden, "Seen")).status_code == 201


async def test_api_keys_see_every_team(client: httpx.AsyncClient, world: World) -> None:
    hidden = await _hidden_from_agent(client, world)

    assert (await client.get(url(hidden), headers=world.a.api_key_headers)).status_code == 200
    assert hidden in await _listed(client, world.a.api_key_headers)


async def test_the_agents_own_team_is_visible(client: httpx.AsyncClient, world: World) -> None:
    conversation = str(world.a.conversation.id)
    await client.post(
        url(conversation, "team"),
        json={"team_id": str(world.a.team.id)},
        headers=world.a.member(Role.admin).headers,
    )
    agent = world.a.member(Role.agent).headers

    assert (await client.get(url(conversation), headers=agent)).status_code == 200
    assert await _listed(client, agent) == [conversation]


async def test_a_contacts_conversations_follow_the_same_rule(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    """list_for_contact, which GET /contacts/{id}/conversations uses."""
    hidden = await _hidden_from_agent(client, world)
    everyone = str(world.a.conversation.id)
    admin = await member_principal(runtime, world.a.member(Role.admin))
    async with service_session(runtime) as session:
        stranger = await contacts.create_contact(session, admin, name="Someone else")
    await start(client, world.a.api_key_headers, stranger.id)

    async def listed_for(role: Role) -> list[str]:
        principal = await member_principal(runtime, world.a.member(role))
        async with service_session(runtime) as session:
            contact = await access_contact(session, principal, world.a.contact.id)
            found, _ = await conversations.list_for_contact(
                session, principal, contact, PageParams()
            )
        return [str(c.id) for c in found]

    assert await listed_for(Role.agent) == [everyone]
    assert await listed_for(Role.supervisor) == [hidden, everyone]
