"""Teams: create, read, rename, delete, and their members."""

import httpx
from sqlalchemy import select

from helpline.core.runtime import Runtime
from helpline.tenancy.models import Membership, Role, Team, TeamMember
from tests.fixtures.api import audit_events, load, scalars
from tests.fixtures.world import World

TEAMS = "/api/v1/teams"


async def _links(runtime: Runtime, team_id: object) -> list[TeamMember]:
    return list(await scalars(runtime, select(TeamMember).where(TeamMember.team_id == team_id)))


class TestListTeams:
    async def test_lists_teams_with_their_members(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        response = await client.get(TEAMS, headers=world.a.member(Role.agent).headers)
        one = await client.get(f"{TEAMS}/{world.a.team.id}", headers=world.a.api_key_headers)

        assert response.status_code == 200
        assert [t["name"] for t in response.json()] == ["Billing"]
        [team] = response.json()
        assert team["id"] == str(world.a.team.id)
        assert team["member_ids"] == [str(world.a.member(Role.agent).membership.id)]
        assert one.json() == team


class TestCreateTeam:
    async def test_creates_a_team(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        response = await client.post(
            TEAMS,
            json={"name": "Sales", "description": "Pre-sales questions"},
            headers=world.a.member(Role.admin).headers,
        )

        assert response.status_code == 201, response.text
        created = response.json()
        assert (created["name"], created["description"], created["member_ids"]) == (
            "Sales",
            "Pre-sales questions",
            [],
        )
        team = await load(runtime, Team, created["id"])
        assert team is not None
        assert team.workspace_id == world.a.workspace.id
        events = await audit_events(runtime, world.a.workspace.id, "team.created")
        assert [e.data for e in events if str(e.target_id) == created["id"]] == [{"name": "Sales"}]
        listed = await client.get(TEAMS, headers=world.a.member(Role.agent).headers)
        assert [t["name"] for t in listed.json()] == ["Billing", "Sales"]

    async def test_duplicate_name_is_a_conflict(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        response = await client.post(
            TEAMS, json={"name": "Billing"}, headers=world.a.member(Role.owner).headers
        )

        assert response.status_code == 409
        assert response.json()["detail"] == "A team named 'Billing' already exists."
        teams = await scalars(
            runtime, select(Team).where(Team.workspace_id == world.a.workspace.id)
        )
        assert len(teams) == 1

    async def test_same_name_in_another_workspace_is_fine(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        # Both world workspaces already have a "Billing" team; names are unique per workspace.
        response = await client.post(
            TEAMS, json={"name": "Sales"}, headers=world.b.member(Role.owner).headers
        )
        again = await client.post(
            TEAMS, json={"name": "Sales"}, headers=world.a.member(Role.owner).headers
        )

        assert response.status_code == again.status_code == 201


class TestUpdateTeam:
    async def test_renames_and_describes(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        response = await client.patch(
            f"{TEAMS}/{world.a.team.id}",
            json={"name": "Invoices", "description": "Refunds too"},
            headers=world.a.member(Role.admin).headers,
        )

        assert response.status_code == 200
        assert response.json()["name"] == "Invoices"
        assert response.json()["member_ids"] == [str(world.a.member(Role.agent).membership.id)]
        team = await load(runtime, Team, world.a.team.id)
        assert team is not None
        assert (team.name, team.description) == ("Invoices", "Refunds too")

    async def test_renaming_onto_another_team_is_a_conflict(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        owner = world.a.member(Role.owner).headers
        await client.post(TEAMS, json={"name": "Sales"}, headers=owner)

        clash = await client.patch(
            f"{TEAMS}/{world.a.team.id}", json={"name": "Sales"}, headers=owner
        )
        same = await client.patch(
            f"{TEAMS}/{world.a.team.id}",
            json={"name": "Billing", "description": "x"},
            headers=owner,
        )

        assert clash.status_code == 409
        assert same.status_code == 200
        team = await load(runtime, Team, world.a.team.id)
        assert team is not None
        assert team.name == "Billing"


class TestDeleteTeam:
    async def test_members_stay_in_the_workspace(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agent = world.a.member(Role.agent)

        response = await client.delete(
            f"{TEAMS}/{world.a.team.id}", headers=world.a.member(Role.owner).headers
        )

        assert response.status_code == 204
        assert await load(runtime, Team, world.a.team.id) is None
        assert await _links(runtime, world.a.team.id) == []
        assert await load(runtime, Membership, agent.membership.id) is not None
        assert (await client.get(TEAMS, headers=agent.headers)).json() == []
        gone = await client.get(f"{TEAMS}/{world.a.team.id}", headers=agent.headers)
        assert gone.status_code == 404
        [event] = await audit_events(runtime, world.a.workspace.id, "team.deleted")
        assert event.data == {"name": "Billing"}


class TestTeamMembers:
    async def test_adding_is_idempotent(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        supervisor = world.a.member(Role.supervisor).membership.id
        url = f"{TEAMS}/{world.a.team.id}/members"
        admin = world.a.member(Role.admin).headers

        first = await client.post(url, json={"member_id": str(supervisor)}, headers=admin)
        second = await client.post(url, json={"member_id": str(supervisor)}, headers=admin)

        assert first.status_code == second.status_code == 200
        assert first.json() == second.json()
        assert sorted(first.json()["member_ids"]) == sorted(
            [str(world.a.member(Role.agent).membership.id), str(supervisor)]
        )
        links = [
            link
            for link in await _links(runtime, world.a.team.id)
            if link.membership_id == supervisor
        ]
        assert len(links) == 1
        added = await audit_events(runtime, world.a.workspace.id, "team.member_added")
        # The world added the agent; the second add of the supervisor changed nothing.
        assert [e.data["member_id"] for e in added].count(str(supervisor)) == 1

    async def test_removing(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agent = world.a.member(Role.agent).membership.id
        url = f"{TEAMS}/{world.a.team.id}/members/{agent}"
        admin = world.a.member(Role.admin).headers

        response = await client.delete(url, headers=admin)
        again = await client.delete(url, headers=admin)

        assert response.status_code == again.status_code == 200
        assert response.json()["member_ids"] == []
        assert await _links(runtime, world.a.team.id) == []
        assert await load(runtime, Membership, agent) is not None
