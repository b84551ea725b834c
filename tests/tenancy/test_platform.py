"""The platform API: staff provision workspaces and their owners, and list them."""

import httpx
from sqlalchemy import func, select

from helpline.core.runtime import Runtime
from helpline.tenancy.models import Invitation, Membership, Role, Workspace
from tests.fixtures.api import add_membership, bearer, emails_to, link_token, load, login, scalars
from tests.fixtures.world import PASSWORD, World

WORKSPACES = "/api/v1/platform/workspaces"


async def _workspace_count(runtime: Runtime) -> int:
    async with runtime.sessionmaker() as session:
        return int(
            (await session.execute(select(func.count()).select_from(Workspace))).scalar_one()
        )


class TestCreateWorkspace:
    async def test_new_owner_email_gets_an_owner_invitation(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        response = await client.post(
            WORKSPACES,
            json={
                "name": "Acme",
                "domains": ["https://WWW.Acme.example/"],
                "owner_email": "Founder@Acme.example",
            },
            headers=world.staff_headers,
        )

        assert response.status_code == 201, response.text
        created = response.json()
        assert created["owner_member_id"] is None
        assert created["owner_invitation_id"] is not None
        assert created["workspace"]["slug"] == "acme"
        assert created["workspace"]["domains"] == ["www.acme.example"]
        invitation = await load(runtime, Invitation, created["owner_invitation_id"])
        assert invitation is not None
        assert (invitation.email, invitation.role) == ("founder@acme.example", Role.owner)
        assert str(invitation.workspace_id) == created["workspace"]["id"]
        [email] = await emails_to(runtime, "founder@acme.example")
        token = link_token(email.body_text, "/invitations/accept")
        # Accepting the link makes the founder the owner.
        accepted = await client.post(
            "/api/v1/invitations/accept",
            json={"token": token, "name": "Founder", "password": "a long new password"},
        )
        assert accepted.status_code == 200, accepted.text
        members = await client.get(
            "/api/v1/members", headers=bearer(accepted.json()["access_token"])
        )
        assert [(m["email"], m["role"]) for m in members.json()] == [
            ("founder@acme.example", "owner")
        ]

    async def test_existing_account_becomes_owner_at_once(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        response = await client.post(
            WORKSPACES,
            json={"name": "Acme", "slug": "acme-support", "owner_email": "agent@b.example"},
            headers=world.staff_headers,
        )

        assert response.status_code == 201, response.text
        created = response.json()
        assert created["owner_invitation_id"] is None
        membership = await load(runtime, Membership, created["owner_member_id"])
        assert membership is not None
        assert membership.role == Role.owner
        assert membership.user_id == world.b.member(Role.agent).user.id
        assert await emails_to(runtime, "agent@b.example") == []
        tokens = await login(client, "agent@b.example", PASSWORD, workspace="acme-support")
        assert tokens["workspace_id"] == created["workspace"]["id"]
        keys = await client.get("/api/v1/api-keys", headers=bearer(tokens["access_token"]))
        assert keys.status_code == 200  # owner rights, straight away

    async def test_taken_slug_is_a_conflict(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        response = await client.post(
            WORKSPACES,
            json={"name": "Copycat", "slug": "ws-a", "owner_email": "copy@cat.example"},
            headers=world.staff_headers,
        )

        assert response.status_code == 409
        assert response.json()["detail"] == "The slug 'ws-a' is already taken by another workspace."
        assert await _workspace_count(runtime) == 2
        assert await emails_to(runtime, "copy@cat.example") == []

    async def test_taken_domain_is_a_conflict(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        response = await client.post(
            WORKSPACES,
            json={"name": "Copycat", "domains": ["a.example"], "owner_email": "copy@cat.example"},
            headers=world.staff_headers,
        )

        assert response.status_code == 409
        assert await _workspace_count(runtime) == 2

    async def test_names_get_a_free_slug(self, client: httpx.AsyncClient, world: World) -> None:
        # The world's workspaces are called "Workspace A" and "Workspace B", slugs ws-a, ws-b.
        first = await client.post(
            WORKSPACES,
            json={"name": "Ws A", "owner_email": "one@new.example"},
            headers=world.staff_headers,
        )

        assert first.status_code == 201
        assert first.json()["workspace"]["slug"] == "ws-a-2"


class TestListWorkspaces:
    async def test_pages_cover_every_workspace_once(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        for n in range(3):
            created = await client.post(
                WORKSPACES,
                json={"name": f"Extra {n}", "owner_email": f"owner{n}@extra.example"},
                headers=world.staff_headers,
            )
            assert created.status_code == 201
        expected = {str(w.id) for w in await scalars(runtime, select(Workspace))}
        assert len(expected) == 5

        seen: list[str] = []
        sizes: list[int] = []
        cursor: str | None = None
        for _ in range(10):
            params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
            page = await client.get(WORKSPACES, params=params, headers=world.staff_headers)
            assert page.status_code == 200, page.text
            sizes.append(len(page.json()["items"]))
            seen += [w["id"] for w in page.json()["items"]]
            cursor = page.json()["next_cursor"]
            if cursor is None:
                break

        assert sizes == [2, 2, 1]
        assert sorted(seen) == sorted(expected)
        assert len(seen) == len(set(seen))

    async def test_bad_cursor_is_refused(self, client: httpx.AsyncClient, world: World) -> None:
        response = await client.get(
            WORKSPACES, params={"cursor": "!!"}, headers=world.staff_headers
        )

        assert response.status_code == 400
        assert "cursor" in response.json()["detail"]


class TestPlatformIsForStaff:
    async def test_workspace_members_are_refused(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        owner = world.a.member(Role.owner).headers

        listing = await client.get(WORKSPACES, headers=owner)
        creating = await client.post(
            WORKSPACES, json={"name": "Mine", "owner_email": "x@y.example"}, headers=owner
        )
        suspending = await client.patch(
            f"{WORKSPACES}/{world.b.workspace.id}", json={"status": "suspended"}, headers=owner
        )

        for response in (listing, creating, suspending):
            assert response.status_code == 403
        assert await _workspace_count(runtime) == 2
        workspace_b = await load(runtime, Workspace, world.b.workspace.id)
        assert workspace_b is not None
        assert workspace_b.status == "active"

    async def test_staff_acting_in_a_workspace_are_a_member_there(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        await add_membership(runtime, world.staff, world.a.workspace, Role.agent)
        tokens = await login(client, "staff@platform.example")

        response = await client.get(WORKSPACES, headers=bearer(tokens["access_token"]))

        assert tokens["workspace_id"] == str(world.a.workspace.id)
        assert response.status_code == 403

    async def test_unknown_workspace_is_not_found(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        response = await client.get(
            f"{WORKSPACES}/01900000-0000-7000-8000-000000000000", headers=world.staff_headers
        )

        assert response.status_code == 404
