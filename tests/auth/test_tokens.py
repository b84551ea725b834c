"""Access and refresh tokens: rotation, reuse detection, logout, expiry, signatures, and
switching workspace."""

from datetime import timedelta

import httpx
from sqlalchemy import select

from helpline.auth.models import AuthSession, RefreshToken
from helpline.auth.tokens import issue_access_token, read_access_token
from helpline.core.runtime import Runtime
from helpline.core.security import hash_secret
from helpline.settings import Settings
from helpline.tenancy.models import Role
from tests.conftest import make_settings
from tests.fixtures.api import add_membership, bearer, load, login, me_status, refresh, scalars
from tests.fixtures.world import World


async def _refresh_row(runtime: Runtime, token: str) -> RefreshToken:
    rows = await scalars(
        runtime, select(RefreshToken).where(RefreshToken.token_hash == hash_secret(token))
    )
    assert len(rows) == 1
    return rows[0]


class TestRefresh:
    async def test_rotates_the_pair(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agent = world.a.member(Role.agent)

        response = await refresh(client, agent.refresh_token)

        assert response.status_code == 200, response.text
        pair = response.json()
        assert pair["refresh_token"] != agent.refresh_token
        assert pair["workspace_id"] == str(world.a.workspace.id)
        assert await me_status(client, pair["access_token"]) == 200
        spent = await _refresh_row(runtime, agent.refresh_token)
        assert spent.used_at is not None
        fresh = await _refresh_row(runtime, pair["refresh_token"])
        assert fresh.used_at is None
        assert fresh.session_id == spent.session_id
        # The new refresh token rotates in turn.
        again = await refresh(client, pair["refresh_token"])
        assert again.status_code == 200
        assert await me_status(client, again.json()["access_token"]) == 200

    async def test_reusing_a_spent_token_ends_the_whole_session(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agent = world.a.member(Role.agent)
        elsewhere = await login(client, "agent@a.example")
        first = (await refresh(client, agent.refresh_token)).json()
        latest = (await refresh(client, first["refresh_token"])).json()
        assert await me_status(client, latest["access_token"]) == 200

        replay = await refresh(client, agent.refresh_token)

        assert replay.status_code == 401
        assert replay.json()["error"] == "RefreshTokenReused"
        assert "log in again" in replay.json()["detail"]
        # The revocation was committed even though the request failed.
        assert await me_status(client, latest["access_token"]) == 401
        assert (await refresh(client, latest["refresh_token"])).status_code == 401
        auth_session = await load(
            runtime, AuthSession, (await _refresh_row(runtime, agent.refresh_token)).session_id
        )
        assert auth_session is not None
        assert auth_session.revoked_at is not None
        # Another login of the same person is a different session and keeps working.
        assert await me_status(client, elsewhere["access_token"]) == 200
        assert (await refresh(client, elsewhere["refresh_token"])).status_code == 200

    async def test_unknown_token_is_refused(self, client: httpx.AsyncClient) -> None:
        response = await refresh(client, "hlr_" + "x" * 43)

        assert response.status_code == 401
        assert response.json() == {
            "error": "NotAuthenticated",
            "detail": "The refresh token is not valid: log in again.",
        }


class TestLogout:
    async def test_ends_this_session_only(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agent = world.a.member(Role.agent)
        other = await login(client, "agent@a.example")

        response = await client.post("/api/v1/auth/logout", headers=agent.headers)

        assert response.status_code == 204
        assert await me_status(client, agent.access_token) == 401
        assert (await refresh(client, agent.refresh_token)).status_code == 401
        assert await me_status(client, other["access_token"]) == 200
        assert (await refresh(client, other["refresh_token"])).status_code == 200
        claims = read_access_token(runtime.settings, agent.access_token)
        ended = await load(runtime, AuthSession, claims.session_id)
        assert ended is not None
        assert ended.revoked_at is not None

    async def test_staff_session_can_log_out(self, client: httpx.AsyncClient, world: World) -> None:
        response = await client.post("/api/v1/auth/logout", headers=world.staff_headers)

        assert response.status_code == 204
        platform = await client.get("/api/v1/platform/workspaces", headers=world.staff_headers)
        assert platform.status_code == 401


class TestAccessToken:
    async def test_expired_token_asks_for_a_refresh(
        self, client: httpx.AsyncClient, settings: Settings, world: World
    ) -> None:
        claims = read_access_token(settings, world.a.member(Role.agent).access_token)
        identity = {
            "user_id": claims.user_id,
            "session_id": claims.session_id,
            "workspace_id": claims.workspace_id,
        }
        expired_settings = make_settings(settings.data_dir, access_token_ttl=timedelta(minutes=-1))
        expired, _ = issue_access_token(expired_settings, **identity)
        live, _ = issue_access_token(settings, **identity)

        response = await client.get("/api/v1/me", headers=bearer(expired))

        assert response.status_code == 401
        assert response.json() == {
            "error": "NotAuthenticated",
            "detail": "The access token has expired: refresh it.",
        }
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert await me_status(client, live) == 200

    async def test_token_signed_with_another_secret_is_refused(
        self, client: httpx.AsyncClient, settings: Settings, world: World
    ) -> None:
        claims = read_access_token(settings, world.a.member(Role.owner).access_token)
        forger = make_settings(
            settings.data_dir, secret_key="another-secret-key-that-is-long-enough-9876543210"
        )
        forged, _ = issue_access_token(
            forger,
            user_id=claims.user_id,
            session_id=claims.session_id,
            workspace_id=claims.workspace_id,
        )

        response = await client.get("/api/v1/me", headers=bearer(forged))

        assert response.status_code == 401
        assert response.json()["detail"] == "The access token is not valid."

    async def test_refresh_token_is_not_an_access_token(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        assert await me_status(client, world.a.member(Role.agent).refresh_token) == 401


class TestSwitchWorkspace:
    async def test_gives_tokens_for_the_other_workspace(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agent = world.a.member(Role.agent)
        await add_membership(runtime, agent.user, world.b.workspace, Role.admin)

        response = await client.post(
            "/api/v1/auth/switch-workspace", json={"workspace": "ws-b"}, headers=agent.headers
        )

        assert response.status_code == 200, response.text
        tokens = response.json()
        assert tokens["workspace_id"] == str(world.b.workspace.id)
        me = await client.get("/api/v1/me", headers=bearer(tokens["access_token"]))
        assert me.json()["workspace_id"] == str(world.b.workspace.id)
        # The new session carries the role held in B (admin), the old one the role in A.
        keys_in_b = await client.get("/api/v1/api-keys", headers=bearer(tokens["access_token"]))
        assert keys_in_b.status_code == 200
        assert {k["id"] for k in keys_in_b.json()} >= {str(world.b.api_key.id)}
        assert str(world.a.api_key.id) not in {k["id"] for k in keys_in_b.json()}
        assert (await client.get("/api/v1/api-keys", headers=agent.headers)).status_code == 403
        # Switching starts a session; it does not end the one in A.
        assert await me_status(client, agent.access_token) == 200
        assert (await refresh(client, tokens["refresh_token"])).status_code == 200

    async def test_workspace_of_others_looks_missing(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        agent = world.a.member(Role.agent)

        not_member = await client.post(
            "/api/v1/auth/switch-workspace", json={"workspace": "ws-b"}, headers=agent.headers
        )
        missing = await client.post(
            "/api/v1/auth/switch-workspace", json={"workspace": "ws-zzz"}, headers=agent.headers
        )

        assert not_member.status_code == 404
        assert not_member.json() == missing.json()

    async def test_suspended_workspace_is_refused(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agent = world.a.member(Role.agent)
        await add_membership(runtime, agent.user, world.b.workspace, Role.agent)
        await client.patch(
            f"/api/v1/platform/workspaces/{world.b.workspace.id}",
            json={"status": "suspended"},
            headers=world.staff_headers,
        )

        response = await client.post(
            "/api/v1/auth/switch-workspace", json={"workspace": "ws-b"}, headers=agent.headers
        )

        assert response.status_code == 409
        assert "suspended" in response.json()["detail"]
