"""Changing a password, and resetting a forgotten one through an emailed link."""

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update

from helpline.auth.models import AuthSession, PasswordReset, User
from helpline.core.runtime import Runtime
from helpline.core.security import hash_secret
from helpline.core.time import utc_now
from helpline.tenancy.models import Role
from tests.fixtures.api import (
    PASSWORD,
    bearer,
    emails_to,
    execute,
    link_token,
    login,
    me_status,
    refresh,
    scalars,
)
from tests.fixtures.world import World

CHANGE = "/api/v1/auth/password"
RESET = "/api/v1/auth/password-reset"
CONFIRM = "/api/v1/auth/password-reset/confirm"
NEW_PASSWORD = "a brand new passphrase"


async def _live_sessions(runtime: Runtime, world: World, role: Role) -> int:
    user_id = world.a.member(role).user.id
    statement = select(AuthSession).where(
        AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None)
    )
    return len(await scalars(runtime, statement))


class TestChangePassword:
    async def test_wrong_current_password_is_refused(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        agent = world.a.member(Role.agent)

        response = await client.post(
            CHANGE,
            json={"current_password": "not my password", "new_password": NEW_PASSWORD},
            headers=agent.headers,
        )

        assert response.status_code == 401
        assert response.json()["detail"] == "The current password is not correct."
        assert await me_status(client, agent.access_token) == 200
        await login(client, "agent@a.example", PASSWORD)

    async def test_too_short_password_is_refused_with_a_reason(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        agent = world.a.member(Role.agent)

        response = await client.post(
            CHANGE,
            json={"current_password": PASSWORD, "new_password": "short"},
            headers=agent.headers,
        )

        assert response.status_code == 422
        assert response.json() == {
            "error": "WeakPassword",
            "detail": "The password must be at least 10 characters long.",
        }
        assert await me_status(client, agent.access_token) == 200
        await login(client, "agent@a.example", PASSWORD)

    async def test_new_password_ends_every_other_session(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agent = world.a.member(Role.agent)
        other = await login(client, "agent@a.example")

        response = await client.post(
            CHANGE,
            json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
            headers=agent.headers,
        )

        assert response.status_code == 200, response.text
        tokens = response.json()
        assert tokens["workspace_id"] == str(world.a.workspace.id)
        assert await me_status(client, tokens["access_token"]) == 200
        assert (await refresh(client, tokens["refresh_token"])).status_code == 200
        # Both earlier sessions (this one and the other login) ended.
        for access, spent in [
            (agent.access_token, agent.refresh_token),
            (other["access_token"], other["refresh_token"]),
        ]:
            assert await me_status(client, access) == 401
            assert (await refresh(client, spent)).status_code == 401
        assert await _live_sessions(runtime, world, Role.agent) == 1
        old = await client.post(
            "/api/v1/auth/login", json={"email": "agent@a.example", "password": PASSWORD}
        )
        assert old.status_code == 401
        await login(client, "agent@a.example", NEW_PASSWORD)
        # Other people's sessions are untouched.
        assert await me_status(client, world.a.member(Role.admin).access_token) == 200


class TestRequestPasswordReset:
    @pytest.mark.usefixtures("world")
    async def test_unknown_email_gets_the_same_answer_and_no_email(
        self, client: httpx.AsyncClient, runtime: Runtime
    ) -> None:
        unknown = await client.post(RESET, json={"email": "nobody@a.example"})
        known = await client.post(RESET, json={"email": "agent@a.example"})

        assert unknown.status_code == known.status_code == 202
        assert unknown.json() == known.json()
        assert await emails_to(runtime, "nobody@a.example") == []
        assert len(await emails_to(runtime, "agent@a.example")) == 1

    async def test_known_email_gets_a_link_with_a_token(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        response = await client.post(RESET, json={"email": "Agent@A.example"})

        assert response.status_code == 202
        [email] = await emails_to(runtime, "agent@a.example")
        assert email.subject == "Reset your Helpline password"
        token = link_token(email.body_text, f"{runtime.settings.public_url}/reset-password")
        [reset] = await scalars(
            runtime,
            select(PasswordReset).where(
                PasswordReset.user_id == world.a.member(Role.agent).user.id
            ),
        )
        # Only the token's hash is kept.
        assert reset.token_hash == hash_secret(token)
        assert token not in reset.token_hash
        assert reset.used_at is None
        assert reset.expires_at > utc_now()

    async def test_inactive_account_gets_no_email(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        user_id = world.a.member(Role.agent).user.id
        await execute(runtime, update(User).where(User.id == user_id).values(is_active=False))

        response = await client.post(RESET, json={"email": "agent@a.example"})

        assert response.status_code == 202
        assert await emails_to(runtime, "agent@a.example") == []

    @pytest.mark.usefixtures("world")
    async def test_per_account_limit_answers_429(
        self, client: httpx.AsyncClient, runtime: Runtime
    ) -> None:
        limit = runtime.settings.reset_limit_per_account
        answers = [
            (await client.post(RESET, json={"email": "agent@a.example"})).status_code
            for _ in range(limit)
        ]

        blocked = await client.post(RESET, json={"email": "agent@a.example"})

        assert answers == [202] * limit
        assert blocked.status_code == 429
        assert int(blocked.headers["Retry-After"]) > 0
        assert len(await emails_to(runtime, "agent@a.example")) == limit
        # Another account is not held back by this one's limit.
        other = await client.post(RESET, json={"email": "admin@a.example"})
        assert other.status_code == 202


class TestConfirmPasswordReset:
    async def _reset_token(self, client: httpx.AsyncClient, runtime: Runtime, email: str) -> str:
        assert (await client.post(RESET, json={"email": email})).status_code == 202
        last = (await emails_to(runtime, email))[-1]
        return link_token(last.body_text, "/reset-password")

    async def test_sets_the_password_and_ends_every_session(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agent = world.a.member(Role.agent)
        other = await login(client, "agent@a.example")
        token = await self._reset_token(client, runtime, "agent@a.example")

        response = await client.post(CONFIRM, json={"token": token, "new_password": NEW_PASSWORD})

        assert response.status_code == 204
        assert await me_status(client, agent.access_token) == 401
        assert await me_status(client, other["access_token"]) == 401
        assert (await refresh(client, other["refresh_token"])).status_code == 401
        assert await _live_sessions(runtime, world, Role.agent) == 0
        old = await client.post(
            "/api/v1/auth/login", json={"email": "agent@a.example", "password": PASSWORD}
        )
        assert old.status_code == 401
        await login(client, "agent@a.example", NEW_PASSWORD)
        [reset] = await scalars(
            runtime, select(PasswordReset).where(PasswordReset.token_hash == hash_secret(token))
        )
        assert reset.used_at is not None

    @pytest.mark.usefixtures("world")
    async def test_link_works_once(self, client: httpx.AsyncClient, runtime: Runtime) -> None:
        token = await self._reset_token(client, runtime, "agent@a.example")
        first = await client.post(CONFIRM, json={"token": token, "new_password": NEW_PASSWORD})

        second = await client.post(
            CONFIRM, json={"token": token, "new_password": "yet another passphrase"}
        )

        assert first.status_code == 204
        assert second.status_code == 410
        assert second.json()["error"] == "Gone"
        await login(client, "agent@a.example", NEW_PASSWORD)

    async def test_expired_link_is_gone(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agent = world.a.member(Role.agent)
        token = await self._reset_token(client, runtime, "agent@a.example")
        await execute(
            runtime,
            update(PasswordReset)
            .where(PasswordReset.token_hash == hash_secret(token))
            .values(expires_at=utc_now() - timedelta(seconds=1)),
        )

        response = await client.post(CONFIRM, json={"token": token, "new_password": NEW_PASSWORD})

        assert response.status_code == 410
        assert "expired" in response.json()["detail"]
        await login(client, "agent@a.example", PASSWORD)
        assert await me_status(client, agent.access_token) == 200

    @pytest.mark.usefixtures("world")
    async def test_a_new_password_spends_every_other_link(
        self, client: httpx.AsyncClient, runtime: Runtime
    ) -> None:
        older = await self._reset_token(client, runtime, "agent@a.example")
        used = await self._reset_token(client, runtime, "agent@a.example")
        before_change = await self._reset_token(client, runtime, "admin@a.example")
        admin = await login(client, "admin@a.example")
        await client.post(
            CHANGE,
            json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
            headers=bearer(admin["access_token"]),
        )

        reset = await client.post(CONFIRM, json={"token": used, "new_password": NEW_PASSWORD})
        # An older emailed link must not undo the reset (or the change) just made.
        after_reset = await client.post(
            CONFIRM, json={"token": older, "new_password": "the attacker's choice"}
        )
        after_change = await client.post(
            CONFIRM, json={"token": before_change, "new_password": "the attacker's choice"}
        )

        assert reset.status_code == 204
        assert after_reset.status_code == 410
        assert after_change.status_code == 410
        await login(client, "agent@a.example", NEW_PASSWORD)
        await login(client, "admin@a.example", NEW_PASSWORD)

    async def test_unknown_token_is_gone(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            CONFIRM, json={"token": "x" * 43, "new_password": NEW_PASSWORD}
        )

        assert response.status_code == 410

    @pytest.mark.usefixtures("world")
    async def test_weak_password_keeps_the_link_usable(
        self, client: httpx.AsyncClient, runtime: Runtime
    ) -> None:
        token = await self._reset_token(client, runtime, "agent@a.example")

        weak = await client.post(CONFIRM, json={"token": token, "new_password": "agent@a.example"})
        retry = await client.post(CONFIRM, json={"token": token, "new_password": NEW_PASSWORD})

        assert weak.status_code == 422
        assert weak.json()["detail"] == "The password must not be the email address."
        assert retry.status_code == 204
