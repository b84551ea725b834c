"""POST /api/v1/auth/login: password login into one workspace, or a staff session."""

from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import select, update

from helpline.auth.models import AuthSession, User
from helpline.core.runtime import Runtime
from helpline.settings import Settings
from helpline.tenancy.models import Role
from tests.conftest import make_settings
from tests.fixtures.api import (
    CLIENT_IP,
    PASSWORD,
    add_membership,
    bearer,
    execute,
    load,
    login,
    me_status,
    scalars,
    serve,
)
from tests.fixtures.world import World

LOGIN = "/api/v1/auth/login"
OTHER_IP = "198.51.100.20"


class TestLogin:
    async def test_returns_tokens_that_work(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agent = world.a.member(Role.agent)

        response = await client.post(
            LOGIN,
            json={"email": "AGENT@A.example", "password": PASSWORD},
            headers={"User-Agent": "login-test/1.0"},
        )

        assert response.status_code == 200, response.text
        tokens = response.json()
        assert tokens["token_type"] == "bearer"
        assert tokens["workspace_id"] == str(world.a.workspace.id)
        me = await client.get("/api/v1/me", headers=bearer(tokens["access_token"]))
        assert me.status_code == 200
        assert me.json()["email"] == "agent@a.example"
        assert me.json()["workspace_id"] == str(world.a.workspace.id)
        user = await load(runtime, User, agent.user.id)
        assert user is not None
        assert user.last_login_at is not None
        sessions = await scalars(
            runtime,
            select(AuthSession).where(
                AuthSession.user_id == agent.user.id, AuthSession.user_agent == "login-test/1.0"
            ),
        )
        assert len(sessions) == 1
        assert sessions[0].ip == CLIENT_IP
        assert sessions[0].workspace_id == world.a.workspace.id
        assert sessions[0].revoked_at is None

    @pytest.mark.usefixtures("world")
    async def test_wrong_password_and_unknown_email_look_the_same(
        self, client: httpx.AsyncClient
    ) -> None:
        wrong_password = await client.post(
            LOGIN, json={"email": "agent@a.example", "password": "not the password"}
        )
        unknown_email = await client.post(
            LOGIN, json={"email": "nobody@a.example", "password": "not the password"}
        )

        assert wrong_password.status_code == unknown_email.status_code == 401
        assert wrong_password.json() == unknown_email.json()
        assert wrong_password.json() == {
            "error": "NotAuthenticated",
            "detail": "The email or password is not correct.",
        }
        assert wrong_password.headers["WWW-Authenticate"] == "Bearer"

    async def test_inactive_user_cannot_log_in_and_loses_access(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agent = world.a.member(Role.agent)
        refused = await client.post(
            LOGIN, json={"email": "agent@a.example", "password": "wrong one!"}
        )
        await execute(runtime, update(User).where(User.id == agent.user.id).values(is_active=False))

        response = await client.post(LOGIN, json={"email": "agent@a.example", "password": PASSWORD})

        assert response.status_code == 401
        # The right password of a deactivated account gets the wrong-password answer.
        assert response.json() == refused.json()
        assert await me_status(client, agent.access_token) == 401
        assert (
            await client.post("/api/v1/auth/refresh", json={"refresh_token": agent.refresh_token})
        ).status_code == 401

    async def test_member_of_several_workspaces_must_choose(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agent = world.a.member(Role.agent)
        await add_membership(runtime, agent.user, world.b.workspace, Role.supervisor)

        undecided = await client.post(
            LOGIN, json={"email": "agent@a.example", "password": PASSWORD}
        )
        unknown = await client.post(
            LOGIN, json={"email": "agent@a.example", "password": PASSWORD, "workspace": "ws-nope"}
        )
        tokens = await login(client, "agent@a.example", workspace="ws-b")

        assert undecided.status_code == 409
        assert undecided.json()["error"] == "Conflict"
        assert "ws-a, ws-b" in undecided.json()["detail"]
        assert unknown.status_code == 401
        assert tokens["workspace_id"] == str(world.b.workspace.id)
        me = await client.get("/api/v1/me", headers=bearer(tokens["access_token"]))
        assert me.json()["workspace_id"] == str(world.b.workspace.id)
        assert {m["workspace_slug"] for m in me.json()["memberships"]} == {"ws-a", "ws-b"}
        # The session acts in B, with the role held in B.
        members = await client.get("/api/v1/members", headers=bearer(tokens["access_token"]))
        assert members.status_code == 200
        assert {m["email"] for m in members.json()} == {f"{r.value}@b.example" for r in Role} | {
            "agent@a.example"
        }
        invited = await client.post(
            "/api/v1/invitations",
            json={"email": "nope@b.example", "role": "agent"},
            headers=bearer(tokens["access_token"]),
        )
        assert invited.status_code == 403  # a supervisor in B, not a manager

    async def test_suspended_workspaces_are_not_offered(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agent = world.a.member(Role.agent)
        await add_membership(runtime, agent.user, world.b.workspace, Role.agent)
        suspended = await client.patch(
            f"/api/v1/platform/workspaces/{world.b.workspace.id}",
            json={"status": "suspended"},
            headers=world.staff_headers,
        )
        assert suspended.status_code == 200

        tokens = await login(client, "agent@a.example")

        assert tokens["workspace_id"] == str(world.a.workspace.id)

    @pytest.mark.usefixtures("world")
    async def test_staff_without_membership_get_a_staff_session(
        self, client: httpx.AsyncClient
    ) -> None:
        tokens = await login(client, "staff@platform.example")

        assert tokens["workspace_id"] is None
        me = await client.get("/api/v1/me", headers=bearer(tokens["access_token"]))
        assert me.json()["is_staff"] is True
        assert me.json()["workspace_id"] is None
        assert me.json()["memberships"] == []
        platform = await client.get(
            "/api/v1/platform/workspaces", headers=bearer(tokens["access_token"])
        )
        assert platform.status_code == 200
        # A staff session is not a way into a workspace's data.
        members = await client.get("/api/v1/members", headers=bearer(tokens["access_token"]))
        assert members.status_code == 403

    async def test_account_without_workspace_is_refused(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        owner = world.a.member(Role.owner)
        await client.delete(
            f"/api/v1/members/{world.a.member(Role.agent).membership.id}", headers=owner.headers
        )

        response = await client.post(LOGIN, json={"email": "agent@a.example", "password": PASSWORD})

        assert response.status_code == 401
        assert "not a member of any active workspace" in response.json()["detail"]


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    """The test Redis, without login counts from earlier tests or runs (15-minute windows)."""
    client = Redis.from_url(redis_url)
    await _forget_login_counts(client)
    yield client
    await _forget_login_counts(client)
    await client.aclose()


async def _forget_login_counts(client: Redis) -> None:
    counted = [k async for k in client.scan_iter(match="helpline:ratelimit:login:*")]
    if counted:
        await client.delete(*counted)


class TestLoginRateLimit:
    @pytest.mark.usefixtures("world")
    async def test_per_account_limit_answers_429_with_retry_after(self, settings: Settings) -> None:
        limited = make_settings(settings.data_dir, login_limit_per_account=3)
        async with serve(limited, CLIENT_IP, OTHER_IP) as (here, there):
            attempts = [
                await here.post(
                    LOGIN, json={"email": "agent@a.example", "password": "guess 1 ..."}
                ),
                await there.post(
                    LOGIN, json={"email": "agent@a.example", "password": "guess 2 ..."}
                ),
                await here.post(
                    LOGIN, json={"email": "Agent@A.example", "password": "guess 3 ..."}
                ),
            ]
            # The next attempt is refused even with the right password, from any address.
            blocked = await there.post(
                LOGIN, json={"email": "agent@a.example", "password": PASSWORD}
            )
            other_account = await here.post(
                LOGIN, json={"email": "admin@a.example", "password": PASSWORD}
            )

        assert [a.status_code for a in attempts] == [401, 401, 401]
        assert blocked.status_code == 429
        assert blocked.json()["error"] == "RateLimited"
        retry_after = int(blocked.headers["Retry-After"])
        assert 0 < retry_after <= limited.rate_limit_window.total_seconds()
        assert f"{retry_after} seconds" in blocked.json()["detail"]
        assert other_account.status_code == 200

    @pytest.mark.usefixtures("world")
    async def test_per_ip_limit_covers_every_account(self, settings: Settings) -> None:
        limited = make_settings(settings.data_dir, login_limit_per_ip=3)
        async with serve(limited, CLIENT_IP, OTHER_IP) as (here, there):
            attempts = [
                await here.post(
                    LOGIN, json={"email": f"user{n}@a.example", "password": "guess ..."}
                )
                for n in range(3)
            ]
            blocked = await here.post(
                LOGIN,
                json={"email": "agent@a.example", "password": PASSWORD},
                # The peer is not a trusted proxy: a forged client address changes nothing.
                headers={"X-Forwarded-For": "192.0.2.99"},
            )
            elsewhere = await there.post(
                LOGIN, json={"email": "agent@a.example", "password": PASSWORD}
            )

        assert [a.status_code for a in attempts] == [401, 401, 401]
        assert blocked.status_code == 429
        assert int(blocked.headers["Retry-After"]) > 0
        assert elsewhere.status_code == 200

    @pytest.mark.usefixtures("world")
    async def test_every_node_counts_against_one_limit_in_redis(
        self, settings: Settings, redis: Redis, redis_url: str
    ) -> None:
        shared = make_settings(settings.data_dir, redis_url=redis_url, login_limit_per_account=3)
        async with serve(shared) as (node_1,), serve(shared) as (node_2,):
            attempts = [
                await node.post(LOGIN, json={"email": "agent@a.example", "password": "guess ..."})
                for node in (node_1, node_2, node_1)
            ]
            blocked = await node_2.post(
                LOGIN, json={"email": "agent@a.example", "password": PASSWORD}
            )

        assert [a.status_code for a in attempts] == [401, 401, 401]
        assert blocked.status_code == 429
        assert int(blocked.headers["Retry-After"]) > 0
        assert await redis.exists("helpline:ratelimit:login:account:agent@a.example")
