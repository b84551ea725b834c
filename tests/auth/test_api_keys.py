"""API keys: created by owners and admins, shown once, stored hashed, scoped, revoked by
deletion."""

import httpx
from sqlalchemy import select

from helpline.auth.models import ApiKey
from helpline.auth.principals import Scope
from helpline.core.runtime import Runtime
from helpline.core.security import hash_secret
from helpline.tenancy.models import Role
from tests.fixtures.api import audit_events, bearer, load, scalars
from tests.fixtures.world import World

KEYS = "/api/v1/api-keys"


class TestCreateApiKey:
    async def test_owner_gets_the_secret_once(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        owner = world.a.member(Role.owner)

        response = await client.post(
            KEYS, json={"name": "CRM sync", "scopes": ["members:read"]}, headers=owner.headers
        )

        assert response.status_code == 201, response.text
        created = response.json()
        secret = created["secret"]
        assert secret.startswith("hlk_")
        assert created["prefix"] == secret[:12]
        assert created["scopes"] == ["members:read"]
        assert created["last_used_at"] is None
        row = await load(runtime, ApiKey, created["id"])
        assert row is not None
        assert row.workspace_id == world.a.workspace.id
        assert row.created_by_id == owner.user.id
        assert row.key_hash == hash_secret(secret)
        [event] = [
            e
            for e in await audit_events(runtime, world.a.workspace.id, "api_key.created")
            if str(e.target_id) == created["id"]
        ]
        assert event.actor_label == "owner@a.example"
        assert event.data == {"name": "CRM sync", "scopes": ["members:read"]}

    async def test_admin_may_create_keys(self, client: httpx.AsyncClient, world: World) -> None:
        response = await client.post(
            KEYS,
            json={"name": "Reporting", "scopes": ["audit:read", "teams:read"]},
            headers=world.a.member(Role.admin).headers,
        )

        assert response.status_code == 201
        assert response.json()["scopes"] == ["audit:read", "teams:read"]

    async def test_unknown_scope_is_refused(self, client: httpx.AsyncClient, world: World) -> None:
        response = await client.post(
            KEYS,
            json={"name": "Too much", "scopes": ["everything:write"]},
            headers=world.a.member(Role.owner).headers,
        )

        assert response.status_code == 422
        assert response.json()["error"] == "ValidationError"


class TestListApiKeys:
    async def test_never_shows_the_secret_or_its_hash(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        owner = world.a.member(Role.owner)
        created = await client.post(
            KEYS, json={"name": "CRM sync", "scopes": ["members:read"]}, headers=owner.headers
        )
        secret = created.json()["secret"]

        response = await client.get(KEYS, headers=owner.headers)

        assert response.status_code == 200
        keys = {k["id"]: k for k in response.json()}
        assert created.json()["id"] in keys
        assert str(world.a.api_key.id) in keys
        assert str(world.b.api_key.id) not in keys
        for key in keys.values():
            assert set(key) == {"id", "created_at", "name", "prefix", "scopes", "last_used_at"}
        assert secret not in response.text
        assert world.a.api_key_secret not in response.text
        assert hash_secret(secret) not in response.text


class TestUseApiKey:
    async def test_scope_decides_what_the_key_may_do(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        owner = world.a.member(Role.owner)
        created = (
            await client.post(
                KEYS, json={"name": "CRM sync", "scopes": ["members:read"]}, headers=owner.headers
            )
        ).json()
        key = bearer(created["secret"])

        members = await client.get("/api/v1/members", headers=key)
        teams = await client.get("/api/v1/teams", headers=key)
        write = await client.patch(
            f"/api/v1/members/{world.a.member(Role.agent).membership.id}",
            json={"capacity": 3},
            headers=key,
        )

        assert members.status_code == 200
        # The key's workspace is its own: A's members, not B's.
        assert {m["email"] for m in members.json()} == {f"{r.value}@a.example" for r in Role}
        assert teams.status_code == 403
        assert teams.json()["detail"] == "This API key lacks the teams:read scope."
        assert write.status_code == 403
        row = await load(runtime, ApiKey, created["id"])
        assert row is not None
        assert row.last_used_at is not None
        listed = {k["id"]: k for k in (await client.get(KEYS, headers=owner.headers)).json()}
        assert listed[created["id"]]["last_used_at"] is not None
        # A key never used keeps no trace of use.
        assert listed[str(world.a.api_key.id)]["last_used_at"] is None


class TestDeleteApiKey:
    async def test_deleted_key_stops_working_at_once(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        admin = world.a.member(Role.admin)
        assert (
            await client.get("/api/v1/workspace", headers=world.a.api_key_headers)
        ).status_code == 200

        response = await client.delete(f"{KEYS}/{world.a.api_key.id}", headers=admin.headers)

        assert response.status_code == 204
        after = await client.get("/api/v1/workspace", headers=world.a.api_key_headers)
        assert after.status_code == 401
        assert after.json()["detail"] == "The API key is not valid."
        assert await load(runtime, ApiKey, world.a.api_key.id) is None
        [event] = await audit_events(runtime, world.a.workspace.id, "api_key.deleted")
        assert event.target_id == world.a.api_key.id
        assert event.actor_label == "admin@a.example"
        assert event.data == {"name": "full"}
        # The workspace's other keys keep working.
        others = await scalars(
            runtime, select(ApiKey).where(ApiKey.workspace_id == world.a.workspace.id)
        )
        assert len(others) == len(world.a.narrow_api_key_secrets)
        audit_key = bearer(world.a.narrow_api_key_secrets[Scope.audit_read])
        assert (await client.get("/api/v1/audit-events", headers=audit_key)).status_code == 200

    async def test_deleting_twice_is_not_found(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        owner = world.a.member(Role.owner)
        url = f"{KEYS}/{world.a.api_key.id}"

        first = await client.delete(url, headers=owner.headers)
        second = await client.delete(url, headers=owner.headers)

        assert first.status_code == 204
        assert second.status_code == 404
