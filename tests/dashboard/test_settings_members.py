"""Members, invitations and teams through their settings forms, as a browser sends them.
What a form changed is read back through the REST API."""

from typing import Any

import httpx

from helpline.core.runtime import Runtime
from helpline.tenancy.models import Role
from tests.dashboard.support import OURS, form_csrf, submit
from tests.dashboard.test_settings_pages import as_member
from tests.fixtures.api import emails_to
from tests.fixtures.world import World

MEMBERS = "/app/settings/members"
TEAMS = "/app/settings/teams"


async def rest(client: httpx.AsyncClient, world: World, path: str) -> Any:
    answer = await client.get(path, headers=world.a.member(Role.owner).headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def member_of(client: httpx.AsyncClient, world: World, role: Role) -> dict[str, Any]:
    member_id = world.a.member(role).membership.id
    found: dict[str, Any] = await rest(client, world, f"/api/v1/members/{member_id}")
    return found


class TestMembers:
    async def test_lists_members_with_role_availability_and_capacity(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await as_member(client, world, Role.admin)
        page = await client.get(MEMBERS)
        for role in Role:
            assert world.a.member(role).user.email in page.text
        assert "invitee@a.example" in page.text
        assert "Offline" in page.text
        assert 'name="capacity" value="10"' in page.text

    async def test_changes_role_and_capacity(self, client: httpx.AsyncClient, world: World) -> None:
        await as_member(client, world, Role.admin)
        agent = world.a.member(Role.agent).membership
        changed = await submit(
            client, MEMBERS, {"role": "supervisor", "capacity": "4"}, action=f"{MEMBERS}/{agent.id}"
        )
        assert changed.status_code == 303
        member = await member_of(client, world, Role.agent)
        assert (member["role"], member["capacity"]) == ("supervisor", 4)

    async def test_an_admin_cannot_touch_an_owner_and_sees_why(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await as_member(client, world, Role.admin)
        owner = world.a.member(Role.owner).membership
        refused = await submit(
            client, MEMBERS, {"role": "agent", "capacity": "3"}, action=f"{MEMBERS}/{owner.id}"
        )
        assert refused.status_code == 403
        assert "Only an owner can grant the owner role" in refused.text
        # The typed values stay in that member's row.
        assert 'name="capacity" value="3"' in refused.text
        bad = await submit(
            client, MEMBERS, {"role": "agent", "capacity": "lots"}, action=f"{MEMBERS}/{owner.id}"
        )
        assert bad.status_code == 422
        assert "Capacity must be a whole number." in bad.text
        member = await member_of(client, world, Role.owner)
        assert (member["role"], member["capacity"]) == ("owner", 10)

    async def test_removes_a_member_after_a_confirmation(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await as_member(client, world, Role.owner)
        agent = world.a.member(Role.agent)
        confirm = await client.get(f"{MEMBERS}/{agent.membership.id}/remove")
        assert confirm.status_code == 200
        assert f"Remove agent a ({agent.user.email}) from the workspace?" in confirm.text
        removed = await submit(client, f"{MEMBERS}/{agent.membership.id}/remove", {})
        assert removed.status_code == 303
        assert removed.headers["location"] == f"{MEMBERS}?saved=removed"
        emails = [member["email"] for member in await rest(client, world, "/api/v1/members")]
        assert agent.user.email not in emails
        # Their session ended with the membership.
        me = await client.get("/api/v1/me", headers=agent.headers)
        assert me.status_code == 401

    async def test_the_last_owner_cannot_be_removed(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await as_member(client, world, Role.owner)
        owner = world.a.member(Role.owner).membership
        refused = await submit(client, f"{MEMBERS}/{owner.id}/remove", {})
        assert refused.status_code == 409
        assert "A workspace must keep at least one owner" in refused.text
        assert len(await rest(client, world, "/api/v1/members")) == len(Role)

    async def test_the_other_workspaces_members_are_not_found(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await as_member(client, world, Role.owner)
        foreign = world.b.member(Role.agent).membership.id
        assert (await client.get(f"{MEMBERS}/{foreign}/remove")).status_code == 404
        csrf = form_csrf(await client.get(MEMBERS))
        answer = await client.post(
            f"{MEMBERS}/{foreign}/remove", data={"csrf_token": csrf}, headers={"Origin": OURS}
        )
        assert answer.status_code == 404
        assert "Member not found." in answer.text


class TestInvitations:
    async def test_invites_by_email_and_revokes(
        self, client: httpx.AsyncClient, world: World, runtime: Runtime
    ) -> None:
        await as_member(client, world, Role.admin)
        invited = await submit(
            client,
            MEMBERS,
            {"email": "New.Agent@Example.com", "role": "supervisor"},
            action="/app/settings/invitations",
        )
        assert invited.status_code == 303
        assert "Invitation sent" in (await client.get(invited.headers["location"])).text
        assert len(await emails_to(runtime, "new.agent@example.com")) == 1
        pending = await rest(client, world, "/api/v1/invitations")
        invitation = next(i for i in pending if i["email"] == "new.agent@example.com")
        assert invitation["role"] == "supervisor"
        revoked = await submit(
            client, MEMBERS, {}, action=f"/app/settings/invitations/{invitation['id']}/revoke"
        )
        assert revoked.status_code == 303
        pending = await rest(client, world, "/api/v1/invitations")
        assert "new.agent@example.com" not in [i["email"] for i in pending]

    async def test_a_refused_invitation_keeps_the_email(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await as_member(client, world, Role.admin)
        action = "/app/settings/invitations"
        member = await submit(
            client, MEMBERS, {"email": "agent@a.example", "role": "agent"}, action=action
        )
        assert member.status_code == 409
        assert "agent@a.example is already a member of this workspace." in member.text
        owner = await submit(
            client, MEMBERS, {"email": "boss@x.example", "role": "owner"}, action=action
        )
        assert owner.status_code == 403
        assert "Only an owner can invite another owner." in owner.text
        assert 'value="boss@x.example"' in owner.text
        malformed = await submit(client, MEMBERS, {"email": "not an email"}, action=action)
        assert malformed.status_code == 422
        assert 'value="not an email"' in malformed.text
        emails = [i["email"] for i in await rest(client, world, "/api/v1/invitations")]
        assert emails == ["invitee@a.example"]


class TestTeams:
    async def test_supervisors_create_rename_staff_and_delete_teams(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await as_member(client, world, Role.supervisor)
        created = await submit(client, TEAMS, {"name": "Support", "description": "First line"})
        assert created.status_code == 303
        teams = {team["name"]: team for team in await rest(client, world, "/api/v1/teams")}
        team_id = teams["Support"]["id"]
        assert teams["Support"]["description"] == "First line"

        renamed = await submit(
            client, TEAMS, {"name": "Tier 1", "description": ""}, action=f"{TEAMS}/{team_id}"
        )
        assert renamed.status_code == 303
        admin = world.a.member(Role.admin).membership.id
        added = await submit(
            client, TEAMS, {"member_id": str(admin)}, action=f"{TEAMS}/{team_id}/members"
        )
        assert added.status_code == 303
        team = await rest(client, world, f"/api/v1/teams/{team_id}")
        assert (team["name"], team["member_ids"]) == ("Tier 1", [str(admin)])
        page = await client.get(TEAMS)
        assert "admin a" in page.text

        removed = await submit(
            client, TEAMS, {}, action=f"{TEAMS}/{team_id}/members/{admin}/remove"
        )
        assert removed.status_code == 303
        assert (await rest(client, world, f"/api/v1/teams/{team_id}"))["member_ids"] == []

        confirm = await client.get(f"{TEAMS}/{team_id}/delete")
        assert "Delete the team Tier 1?" in confirm.text
        deleted = await submit(client, f"{TEAMS}/{team_id}/delete", {})
        assert deleted.status_code == 303
        names = [team["name"] for team in await rest(client, world, "/api/v1/teams")]
        assert names == ["Billing"]

    async def test_refusals_show_their_reason_and_keep_the_name(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await as_member(client, world, Role.owner)
        taken = await submit(client, TEAMS, {"name": "Billing", "description": "Again"})
        assert taken.status_code == 409
        assert "A team named &#39;Billing&#39; already exists." in taken.text
        assert 'value="Again"' in taken.text
        empty = await submit(client, TEAMS, {})
        assert empty.status_code == 422
        assert "The team&#39;s name is required." in empty.text
        team = world.a.team.id
        nobody = await submit(client, TEAMS, {"member_id": ""}, action=f"{TEAMS}/{team}/members")
        assert nobody.status_code == 422
        assert "Choose the member to add to the team." in nobody.text
        assert [t["name"] for t in await rest(client, world, "/api/v1/teams")] == ["Billing"]

    async def test_the_other_workspaces_team_and_members_are_not_found(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await as_member(client, world, Role.owner)
        foreign_team = world.b.team.id
        assert (await client.get(f"{TEAMS}/{foreign_team}/delete")).status_code == 404
        foreign_member = world.b.member(Role.agent).membership.id
        answer = await submit(
            client,
            TEAMS,
            {"member_id": str(foreign_member)},
            action=f"{TEAMS}/{world.a.team.id}/members",
        )
        assert answer.status_code == 404
        team = await rest(client, world, f"/api/v1/teams/{world.a.team.id}")
        assert team["member_ids"] == [str(world.a.member(Role.agent).membership.id)]
