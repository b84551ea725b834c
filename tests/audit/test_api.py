"""GET /api/v1/audit-events: the workspace's administrative actions, newest first."""

import json

import httpx
from sqlalchemy import select

from helpline.audit.models import AuditEvent
from helpline.auth.principals import Scope
from helpline.core.runtime import Runtime
from helpline.core.security import hash_secret
from helpline.tenancy.models import Role
from tests.fixtures.api import bearer, emails_to, link_token, scalars, walk_pages
from tests.fixtures.world import World

EVENTS = "/api/v1/audit-events"


async def _event_ids(runtime: Runtime, world_workspace_id: object) -> list[str]:
    statement = (
        select(AuditEvent)
        .where(AuditEvent.workspace_id == world_workspace_id)
        .order_by(AuditEvent.id.desc())
    )
    return [str(e.id) for e in await scalars(runtime, statement)]


class TestListAuditEvents:
    async def test_newest_first_in_pages(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        owner = world.a.member(Role.owner).headers
        for name in ("First", "Second", "Third"):
            created = await client.post("/api/v1/teams", json={"name": name}, headers=owner)
            assert created.status_code == 201

        events = await walk_pages(client, EVENTS, owner, limit=2)

        assert [e["id"] for e in events] == await _event_ids(runtime, world.a.workspace.id)
        stamps = [e["created_at"] for e in events]
        assert stamps == sorted(stamps, reverse=True)
        assert [e["data"]["name"] for e in events[:3]] == ["Third", "Second", "First"]
        newest = events[0]
        assert (newest["action"], newest["actor_type"], newest["actor_label"]) == (
            "team.created",
            "member",
            "owner@a.example",
        )
        assert newest["actor_id"] == str(world.a.member(Role.owner).user.id)
        assert newest["target_type"] == "team"
        assert newest["ip"] == "203.0.113.7"

    async def test_filters_by_action(self, client: httpx.AsyncClient, world: World) -> None:
        admin = world.a.member(Role.admin).headers
        await client.post("/api/v1/teams", json={"name": "Sales"}, headers=admin)

        created = await walk_pages(client, EVENTS, admin, action="team.created", limit=1)
        nothing = await client.get(EVENTS, params={"action": "no.such.action"}, headers=admin)

        assert [e["data"]["name"] for e in created] == ["Sales", "Billing"]
        assert {e["action"] for e in created} == {"team.created"}
        assert nothing.json() == {"items": [], "next_cursor": None}

    async def test_only_the_callers_workspace(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        await client.post(
            "/api/v1/teams", json={"name": "B only"}, headers=world.b.member(Role.owner).headers
        )
        audit_key = bearer(world.a.narrow_api_key_secrets[Scope.audit_read])

        as_owner = await walk_pages(client, EVENTS, world.a.member(Role.owner).headers)
        as_key = await walk_pages(client, EVENTS, audit_key)

        own = set(await _event_ids(runtime, world.a.workspace.id))
        theirs = set(await _event_ids(runtime, world.b.workspace.id))
        assert {e["id"] for e in as_owner} == {e["id"] for e in as_key} == own
        assert not own & theirs
        assert "B only" not in json.dumps(as_owner)

    async def test_actions_by_api_keys_name_the_key(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await client.post("/api/v1/teams", json={"name": "Robots"}, headers=world.a.api_key_headers)

        events = await walk_pages(
            client, EVENTS, world.a.member(Role.owner).headers, action="team.created"
        )
        event = events[0]  # the newest

        assert event["data"] == {"name": "Robots"}
        assert (event["actor_type"], event["actor_label"]) == ("api_key", "full")
        assert event["actor_id"] == str(world.a.api_key.id)


class TestNoSecretsInEvents:
    async def test_events_never_hold_tokens_keys_or_hashes(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        owner = world.a.member(Role.owner)
        key = await client.post(
            "/api/v1/api-keys",
            json={"name": "CRM", "scopes": ["members:read"]},
            headers=owner.headers,
        )
        await client.delete(f"/api/v1/api-keys/{world.a.api_key.id}", headers=owner.headers)
        await client.post(
            "/api/v1/invitations", json={"email": "new@a.example"}, headers=owner.headers
        )
        invitation_token = link_token(
            (await emails_to(runtime, "new@a.example"))[0].body_text, "/invitations/accept"
        )
        await client.post(
            "/api/v1/invitations/accept",
            json={"token": invitation_token, "name": "New", "password": "a long new password"},
        )
        await client.post("/api/v1/auth/password-reset", json={"email": "agent@a.example"})
        reset_token = link_token(
            (await emails_to(runtime, "agent@a.example"))[0].body_text, "/reset-password"
        )
        await client.post(
            "/api/v1/auth/password-reset/confirm",
            json={"token": reset_token, "new_password": "a long new password"},
        )
        secrets = [
            key.json()["secret"],
            world.a.api_key_secret,
            *world.a.narrow_api_key_secrets.values(),
            invitation_token,
            reset_token,
            *(m.refresh_token for m in world.a.members.values()),
            *(m.access_token for m in world.a.members.values()),
        ]
        forbidden = secrets + [hash_secret(s) for s in secrets]

        stored = await scalars(runtime, select(AuditEvent))
        served = await walk_pages(client, EVENTS, world.a.member(Role.admin).headers)

        assert len(stored) > 20
        assert {"api_key.created", "api_key.deleted", "invitation.created", "member.added"} <= {
            e.action for e in stored
        }
        for text in [json.dumps(e.data) for e in stored] + [json.dumps(served)]:
            leaks = [s[:8] for s in forbidden if s in text]
            assert not leaks, leaks
            assert "$argon2" not in text
        for event in stored:
            assert not {"secret", "token", "token_hash", "key_hash", "password"} & set(event.data)
