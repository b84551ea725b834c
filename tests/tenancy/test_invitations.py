"""Invitations: an emailed, expiring, single-use link that makes someone a member."""

import uuid
from datetime import timedelta

import httpx
from sqlalchemy import select, update

from helpline.auth.models import User
from helpline.core.runtime import Runtime
from helpline.core.security import hash_secret
from helpline.core.time import utc_now
from helpline.tenancy.models import Invitation, Membership, Role
from tests.fixtures.api import (
    PASSWORD,
    bearer,
    emails_to,
    execute,
    link_token,
    load,
    login,
    scalars,
)
from tests.fixtures.world import World

INVITATIONS = "/api/v1/invitations"
ACCEPT = "/api/v1/invitations/accept"
PREVIEW = "/api/v1/invitations/preview"
NEW_EMAIL = "new.agent@a.example"


async def _invite(
    client: httpx.AsyncClient,
    runtime: Runtime,
    world: World,
    email: str = NEW_EMAIL,
    role: Role = Role.agent,
) -> tuple[dict[str, str], str]:
    """Invite as A's owner; returns the invitation and the token from its email."""
    response = await client.post(
        INVITATIONS,
        json={"email": email, "role": role.value},
        headers=world.a.member(Role.owner).headers,
    )
    assert response.status_code == 201, response.text
    last = (await emails_to(runtime, email.lower()))[-1]
    return response.json(), link_token(last.body_text, "/invitations/accept")


async def _members_of_a(runtime: Runtime, world: World) -> dict[str, Role]:
    statement = (
        select(User.email, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == world.a.workspace.id)
    )
    async with runtime.sessionmaker() as session:
        return dict((await session.execute(statement)).all())


class TestInvite:
    async def test_creates_and_emails_a_link(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        response = await client.post(
            INVITATIONS,
            json={"email": "New.Agent@A.example", "role": "supervisor"},
            headers=world.a.member(Role.admin).headers,
        )

        assert response.status_code == 201, response.text
        invitation = response.json()
        assert (invitation["email"], invitation["role"]) == (NEW_EMAIL, "supervisor")
        assert invitation["accepted_at"] is None
        assert "token_hash" not in invitation
        [email] = await emails_to(runtime, NEW_EMAIL)
        assert email.subject == "You are invited to Workspace A on Helpline"
        assert email.workspace_id == world.a.workspace.id
        token = link_token(email.body_text, f"{runtime.settings.public_url}/invitations/accept")
        row = await load(runtime, Invitation, invitation["id"])
        assert row is not None
        assert row.token_hash == hash_secret(token)
        assert row.invited_by_id == world.a.member(Role.admin).user.id
        assert row.expires_at > utc_now()
        pending = await client.get(INVITATIONS, headers=world.a.member(Role.owner).headers)
        assert invitation["id"] in {i["id"] for i in pending.json()}

    async def test_admin_cannot_invite_an_owner(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        refused = await client.post(
            INVITATIONS,
            json={"email": NEW_EMAIL, "role": "owner"},
            headers=world.a.member(Role.admin).headers,
        )
        allowed = await client.post(
            INVITATIONS,
            json={"email": "co-owner@a.example", "role": "owner"},
            headers=world.a.member(Role.owner).headers,
        )

        assert refused.status_code == 403
        assert await emails_to(runtime, NEW_EMAIL) == []
        assert allowed.status_code == 201

    async def test_existing_member_is_a_conflict(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        response = await client.post(
            INVITATIONS,
            json={"email": "Agent@A.example"},
            headers=world.a.member(Role.owner).headers,
        )

        assert response.status_code == 409
        assert response.json()["detail"] == "agent@a.example is already a member of this workspace."
        assert await emails_to(runtime, "agent@a.example") == []

    async def test_new_invitation_replaces_the_pending_one(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        first, first_token = await _invite(client, runtime, world)

        second, second_token = await _invite(client, runtime, world, role=Role.supervisor)

        old = await load(runtime, Invitation, first["id"])
        assert old is not None
        assert old.revoked_at is not None
        stale = await client.post(PREVIEW, json={"token": first_token})
        assert stale.status_code == 410
        pending = await client.get(INVITATIONS, headers=world.a.member(Role.owner).headers)
        ids = {i["id"] for i in pending.json()}
        assert second["id"] in ids
        assert first["id"] not in ids
        fresh = await client.post(PREVIEW, json={"token": second_token})
        assert fresh.json()["role"] == "supervisor"


class TestPreviewInvitation:
    async def test_shows_what_the_link_is_for(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        _, new_token = await _invite(client, runtime, world)
        _, existing_token = await _invite(client, runtime, world, email="owner@b.example")

        new = await client.post(PREVIEW, json={"token": new_token})
        existing = await client.post(PREVIEW, json={"token": existing_token})

        assert new.status_code == 200
        body = new.json()
        assert (body["workspace_name"], body["email"], body["role"]) == (
            "Workspace A",
            NEW_EMAIL,
            "agent",
        )
        assert body["has_account"] is False
        assert existing.json()["has_account"] is True
        # Looking does not use the link up.
        assert (await client.post(PREVIEW, json={"token": new_token})).status_code == 200


class TestAcceptInvitation:
    async def test_new_account_joins_with_the_invited_role(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        invitation, token = await _invite(client, runtime, world, role=Role.supervisor)

        response = await client.post(
            ACCEPT, json={"token": token, "name": "Ada", "password": "a long new password"}
        )

        assert response.status_code == 200, response.text
        tokens = response.json()
        assert tokens["workspace_id"] == str(world.a.workspace.id)
        me = await client.get("/api/v1/me", headers=bearer(tokens["access_token"]))
        assert (me.json()["email"], me.json()["name"]) == (NEW_EMAIL, "Ada")
        assert [(m["workspace_slug"], m["role"]) for m in me.json()["memberships"]] == [
            ("ws-a", "supervisor")
        ]
        assert (await _members_of_a(runtime, world))[NEW_EMAIL] == Role.supervisor
        row = await load(runtime, Invitation, invitation["id"])
        assert row is not None
        assert row.accepted_at is not None
        await login(client, NEW_EMAIL, "a long new password")

    async def test_link_works_once(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        _, token = await _invite(client, runtime, world)
        body = {"token": token, "name": "Ada", "password": "a long new password"}
        first = await client.post(ACCEPT, json=body)

        second = await client.post(ACCEPT, json=body)

        assert first.status_code == 200
        assert second.status_code == 410
        assert second.json()["error"] == "Gone"
        assert (await client.post(PREVIEW, json={"token": token})).status_code == 410

    async def test_expired_link_is_gone(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        invitation, token = await _invite(client, runtime, world)
        await execute(
            runtime,
            update(Invitation)
            .where(Invitation.id == uuid.UUID(invitation["id"]))
            .values(expires_at=utc_now() - timedelta(seconds=1)),
        )

        response = await client.post(
            ACCEPT, json={"token": token, "name": "Ada", "password": "a long new password"}
        )

        assert response.status_code == 410
        assert "expired" in response.json()["detail"]
        assert NEW_EMAIL not in await _members_of_a(runtime, world)
        assert await scalars(runtime, select(User).where(User.email == NEW_EMAIL)) == []
        pending = await client.get(INVITATIONS, headers=world.a.member(Role.owner).headers)
        assert invitation["id"] not in {i["id"] for i in pending.json()}

    async def test_revoked_link_is_gone(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        invitation, token = await _invite(client, runtime, world)
        revoked = await client.delete(
            f"{INVITATIONS}/{invitation['id']}", headers=world.a.member(Role.admin).headers
        )

        response = await client.post(
            ACCEPT, json={"token": token, "name": "Ada", "password": "a long new password"}
        )

        assert revoked.status_code == 204
        assert response.status_code == 410
        assert NEW_EMAIL not in await _members_of_a(runtime, world)

    async def test_existing_account_must_prove_its_password(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        _, token = await _invite(client, runtime, world, email="owner@b.example", role=Role.admin)

        wrong = await client.post(ACCEPT, json={"token": token, "password": "not the password"})
        assert "owner@b.example" not in await _members_of_a(runtime, world)
        right = await client.post(ACCEPT, json={"token": token, "password": PASSWORD})

        assert wrong.status_code == 401
        assert "enter its password" in wrong.json()["detail"]
        assert right.status_code == 200, right.text
        assert right.json()["workspace_id"] == str(world.a.workspace.id)
        assert (await _members_of_a(runtime, world))["owner@b.example"] == Role.admin
        # The account keeps its own workspace and password.
        me = await client.get("/api/v1/me", headers=bearer(right.json()["access_token"]))
        assert {(m["workspace_slug"], m["role"]) for m in me.json()["memberships"]} == {
            ("ws-a", "admin"),
            ("ws-b", "owner"),
        }
        await login(client, "owner@b.example", workspace="ws-b")

    async def test_suspended_workspace_cannot_be_joined_yet(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        _, token = await _invite(client, runtime, world)
        workspace = f"/api/v1/platform/workspaces/{world.a.workspace.id}"
        await client.patch(workspace, json={"status": "suspended"}, headers=world.staff_headers)
        body = {"token": token, "name": "Ada", "password": "a long new password"}

        refused = await client.post(ACCEPT, json=body)
        await client.patch(workspace, json={"status": "active"}, headers=world.staff_headers)
        later = await client.post(ACCEPT, json=body)

        assert refused.status_code == 409
        assert refused.json()["detail"] == "This workspace is suspended."
        assert later.status_code == 200
        assert (await _members_of_a(runtime, world))[NEW_EMAIL] == Role.agent

    async def test_new_account_needs_a_name_and_a_strong_password(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        _, token = await _invite(client, runtime, world)

        nameless = await client.post(
            ACCEPT, json={"token": token, "password": "a long new password"}
        )
        weak = await client.post(ACCEPT, json={"token": token, "name": "Ada", "password": "short"})
        fine = await client.post(
            ACCEPT, json={"token": token, "name": "Ada", "password": "a long new password"}
        )

        assert nameless.status_code == 400
        assert nameless.json()["detail"] == "Give your name to create your account."
        assert weak.status_code == 422
        assert weak.json()["error"] == "WeakPassword"
        # Refused attempts leave the link usable.
        assert fine.status_code == 200
