"""Assignment: assigning and unassigning, claiming, routing to a team."""

import httpx

from helpline.conversations.models import Owner
from helpline.core.runtime import Runtime
from helpline.tenancy.models import Role
from tests.conversations.support import (
    conversation_row,
    messages_of,
    new_member,
    system_events,
    url,
)
from tests.fixtures.world import World


class TestAssign:
    async def test_assign_then_unassign(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        conversation = world.a.conversation.id
        supervisor = world.a.member(Role.supervisor)
        agent_id = str(world.a.member(Role.agent).membership.id)

        assigned = await client.post(
            url(conversation, "assign"), json={"member_id": agent_id}, headers=supervisor.headers
        )
        same = await client.post(
            url(conversation, "assign"), json={"member_id": agent_id}, headers=supervisor.headers
        )
        row = await conversation_row(runtime, conversation)
        unassigned = await client.post(
            url(conversation, "assign"), json={"member_id": None}, headers=supervisor.headers
        )

        assert assigned.status_code == same.status_code == unassigned.status_code == 200
        assert (assigned.json()["assignee_id"], assigned.json()["owner"]) == (agent_id, "human")
        assert (row.assignee_id, row.owner) == (
            world.a.member(Role.agent).membership.id,
            Owner.human,
        )
        assert (unassigned.json()["assignee_id"], unassigned.json()["owner"]) == (None, "nobody")
        # Assigning to the current assignee is not a change.
        events = [m for m in await messages_of(runtime, conversation) if m.event]
        assert [(m.event, m.data) for m in events] == [
            ("assigned", {"assignee_id": agent_id, "previous_assignee_id": None}),
            ("unassigned", {"previous_assignee_id": agent_id}),
        ]
        assert {m.sender_member_id for m in events} == {supervisor.membership.id}

    async def test_reassigning_records_the_previous_assignee(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        conversation = world.a.conversation.id
        headers = world.a.member(Role.admin).headers
        agent = str(world.a.member(Role.agent).membership.id)
        owner = str(world.a.member(Role.owner).membership.id)

        for member_id in (agent, owner):
            response = await client.post(
                url(conversation, "assign"), json={"member_id": member_id}, headers=headers
            )
            assert response.status_code == 200

        [_, reassigned] = [m for m in await messages_of(runtime, conversation) if m.event]
        assert reassigned.data == {"assignee_id": owner, "previous_assignee_id": agent}


class TestClaim:
    async def test_claiming_an_unassigned_conversation(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agent = world.a.member(Role.agent)
        conversation = world.a.conversation.id

        claimed = await client.post(url(conversation, "claim"), headers=agent.headers)
        again = await client.post(url(conversation, "claim"), headers=agent.headers)

        assert claimed.status_code == again.status_code == 200
        assert claimed.json()["assignee_id"] == str(agent.membership.id)
        # Claiming what is already yours is a harmless retry.
        assert await system_events(runtime, conversation) == ["assigned"]

    async def test_someone_elses_conversation_cannot_be_claimed(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        conversation = world.a.conversation.id
        await client.post(url(conversation, "claim"), headers=world.a.member(Role.agent).headers)

        response = await client.post(
            url(conversation, "claim"), headers=world.a.member(Role.supervisor).headers
        )

        assert response.status_code == 409
        assert response.json() == {
            "error": "AlreadyClaimed",
            "detail": "Someone else already took this conversation.",
        }
        row = await conversation_row(runtime, conversation)
        assert row.assignee_id == world.a.member(Role.agent).membership.id
        assert await system_events(runtime, conversation) == ["assigned"]

    async def test_api_keys_assign_instead(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        response = await client.post(
            url(world.a.conversation.id, "claim"), headers=world.a.api_key_headers
        )

        assert response.status_code == 403
        assert (await conversation_row(runtime, world.a.conversation.id)).assignee_id is None


class TestTeam:
    async def test_routing_to_a_team_and_back(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        conversation = world.a.conversation.id
        headers = world.a.member(Role.agent).headers
        team = str(world.a.team.id)

        routed = await client.post(
            url(conversation, "team"), json={"team_id": team}, headers=headers
        )
        same = await client.post(url(conversation, "team"), json={"team_id": team}, headers=headers)
        back = await client.post(url(conversation, "team"), json={"team_id": None}, headers=headers)

        assert routed.status_code == same.status_code == back.status_code == 200
        assert routed.json()["team_id"] == team
        assert back.json()["team_id"] is None
        events = [m for m in await messages_of(runtime, conversation) if m.event]
        assert [(m.event, m.data) for m in events] == [
            ("team_changed", {"team_id": team, "previous_team_id": None}),
            ("team_changed", {"team_id": None, "previous_team_id": team}),
        ]

    async def test_an_agent_routing_away_loses_sight_unless_assigned(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agent = world.a.member(Role.agent)
        other_agent = await new_member(runtime, world.a, Role.agent, "rita")
        conversation = world.a.conversation.id
        await client.post(url(conversation, "claim"), headers=agent.headers)

        # Billing is the agent's team, not Rita's.
        routed = await client.post(
            url(conversation, "team"), json={"team_id": str(world.a.team.id)}, headers=agent.headers
        )

        assert routed.status_code == 200
        assert (await client.get(url(conversation), headers=agent.headers)).status_code == 200
        assert (await client.get(url(conversation), headers=other_agent.headers)).status_code == 404
