"""Members of a workspace: listing, roles and capacity, the owner rules, removal (with
immediate revocation), and each member's own availability."""

import httpx
from sqlalchemy import select

from helpline.core.runtime import Runtime
from helpline.tenancy.models import Membership, Role, TeamMember
from tests.fixtures.api import (
    CLIENT_IP,
    add_membership,
    audit_events,
    load,
    login,
    me_status,
    refresh,
    scalars,
)
from tests.fixtures.world import World

MEMBERS = "/api/v1/members"
USER_AGENT = "members-test/2.0"


def _url(world: World, role: Role) -> str:
    return f"{MEMBERS}/{world.a.member(role).membership.id}"


class TestListMembers:
    async def test_lists_the_workspace_only(self, client: httpx.AsyncClient, world: World) -> None:
        response = await client.get(MEMBERS, headers=world.a.member(Role.agent).headers)

        assert response.status_code == 200
        members = {m["email"]: m for m in response.json()}
        assert set(members) == {f"{role.value}@a.example" for role in Role}
        agent = members["agent@a.example"]
        assert agent["id"] == str(world.a.member(Role.agent).membership.id)
        assert agent["role"] == "agent"
        assert agent["availability"] == "offline"
        assert agent["capacity"] == 10

    async def test_gets_one_member(self, client: httpx.AsyncClient, world: World) -> None:
        response = await client.get(
            _url(world, Role.supervisor), headers=world.a.member(Role.agent).headers
        )

        assert response.status_code == 200
        assert response.json()["email"] == "supervisor@a.example"
        assert response.json()["user_id"] == str(world.a.member(Role.supervisor).user.id)


class TestUpdateMember:
    async def test_admin_changes_role_and_capacity(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agent = world.a.member(Role.agent)

        response = await client.patch(
            _url(world, Role.agent),
            json={"role": "admin", "capacity": 4},
            headers={**world.a.member(Role.admin).headers, "User-Agent": USER_AGENT},
        )

        assert response.status_code == 200, response.text
        assert response.json()["role"] == "admin"
        assert response.json()["capacity"] == 4
        membership = await load(runtime, Membership, agent.membership.id)
        assert membership is not None
        assert (membership.role, membership.capacity) == (Role.admin, 4)
        [event] = await audit_events(runtime, world.a.workspace.id, "member.role_changed")
        assert event.target_id == agent.membership.id
        assert event.data == {"from": "agent", "to": "admin"}
        assert (event.actor_type, event.actor_label) == ("member", "admin@a.example")
        assert (event.ip, event.user_agent) == (CLIENT_IP, USER_AGENT)
        [capacity] = await audit_events(runtime, world.a.workspace.id, "member.capacity_changed")
        assert capacity.data == {"from": 10, "to": 4}
        # The new role applies from the member's next request, without logging in again.
        keys = await client.get("/api/v1/api-keys", headers=agent.headers)
        assert keys.status_code == 200

    async def test_admin_cannot_touch_the_owner_role(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        admin = world.a.member(Role.admin).headers

        promote = await client.patch(_url(world, Role.agent), json={"role": "owner"}, headers=admin)
        demote = await client.patch(_url(world, Role.owner), json={"role": "agent"}, headers=admin)
        capacity = await client.patch(_url(world, Role.owner), json={"capacity": 1}, headers=admin)
        remove = await client.delete(_url(world, Role.owner), headers=admin)

        for response in (promote, demote, capacity, remove):
            assert response.status_code == 403, response.text
            assert response.json()["error"] == "PermissionDenied"
        owner = await load(runtime, Membership, world.a.member(Role.owner).membership.id)
        agent = await load(runtime, Membership, world.a.member(Role.agent).membership.id)
        assert owner is not None
        assert agent is not None
        assert (owner.role, owner.capacity, agent.role) == (Role.owner, 10, Role.agent)
        assert await audit_events(runtime, world.a.workspace.id, "member.role_changed") == []

    async def test_owner_makes_another_owner_then_steps_down(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        owner = world.a.member(Role.owner)

        promote = await client.patch(
            _url(world, Role.admin), json={"role": "owner"}, headers=owner.headers
        )
        step_down = await client.patch(
            _url(world, Role.owner), json={"role": "admin"}, headers=owner.headers
        )

        assert promote.status_code == 200
        assert step_down.status_code == 200
        roles = {
            m.id: m.role
            for m in await scalars(
                runtime, select(Membership).where(Membership.workspace_id == world.a.workspace.id)
            )
        }
        assert roles[world.a.member(Role.admin).membership.id] == Role.owner
        assert roles[owner.membership.id] == Role.admin

    async def test_last_owner_cannot_be_demoted_or_removed(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        owner = world.a.member(Role.owner)

        demote = await client.patch(
            _url(world, Role.owner), json={"role": "admin"}, headers=owner.headers
        )
        remove = await client.delete(_url(world, Role.owner), headers=owner.headers)

        for response in (demote, remove):
            assert response.status_code == 409
            assert response.json()["detail"] == (
                "A workspace must keep at least one owner: make someone else owner first."
            )
        membership = await load(runtime, Membership, owner.membership.id)
        assert membership is not None
        assert membership.role == Role.owner
        assert await me_status(client, owner.access_token) == 200

    async def test_capacity_is_bounded(self, client: httpx.AsyncClient, world: World) -> None:
        response = await client.patch(
            _url(world, Role.agent),
            json={"capacity": 1001},
            headers=world.a.member(Role.owner).headers,
        )

        assert response.status_code == 422


class TestRemoveMember:
    async def test_removed_member_loses_access_at_once(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agent = world.a.member(Role.agent)
        # The agent is also in B: that membership and its session must survive.
        await add_membership(runtime, agent.user, world.b.workspace, Role.agent)
        in_b = await login(client, "agent@a.example", workspace="ws-b")

        response = await client.delete(
            _url(world, Role.agent),
            headers={**world.a.member(Role.admin).headers, "User-Agent": USER_AGENT},
        )

        assert response.status_code == 204
        assert await me_status(client, agent.access_token) == 401
        assert (await refresh(client, agent.refresh_token)).status_code == 401
        assert await load(runtime, Membership, agent.membership.id) is None
        # Their team memberships in A went with them.
        links = await scalars(
            runtime, select(TeamMember).where(TeamMember.membership_id == agent.membership.id)
        )
        assert links == []
        listed = await client.get(MEMBERS, headers=world.a.member(Role.owner).headers)
        assert "agent@a.example" not in {m["email"] for m in listed.json()}
        [event] = await audit_events(runtime, world.a.workspace.id, "member.removed")
        assert event.target_id == agent.membership.id
        assert event.data == {"email": "agent@a.example", "role": "agent"}
        assert (event.actor_label, event.ip, event.user_agent) == (
            "admin@a.example",
            CLIENT_IP,
            USER_AGENT,
        )
        assert await me_status(client, in_b["access_token"]) == 200
        assert (await refresh(client, in_b["refresh_token"])).status_code == 200

    async def test_owner_may_remove_another_owner(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        owner = world.a.member(Role.owner)
        await client.patch(_url(world, Role.admin), json={"role": "owner"}, headers=owner.headers)

        response = await client.delete(_url(world, Role.admin), headers=owner.headers)

        assert response.status_code == 204
        assert await me_status(client, world.a.member(Role.admin).access_token) == 401


class TestSetAvailability:
    async def test_member_sets_their_own_availability(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agent = world.a.member(Role.agent)

        response = await client.put(
            "/api/v1/me/availability", json={"availability": "online"}, headers=agent.headers
        )
        invalid = await client.put(
            "/api/v1/me/availability", json={"availability": "sleepy"}, headers=agent.headers
        )

        assert response.status_code == 200
        assert response.json()["id"] == str(agent.membership.id)
        assert response.json()["availability"] == "online"
        assert invalid.status_code == 422
        assert invalid.json()["fields"][0]["location"] == "body.availability"
        membership = await load(runtime, Membership, agent.membership.id)
        assert membership is not None
        assert membership.availability == "online"
        me = await client.get("/api/v1/me", headers=agent.headers)
        assert me.json()["memberships"][0]["availability"] == "online"
