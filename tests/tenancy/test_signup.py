"""Self-service sign-up (off unless the server allows it) and the sign-up rate limits, which
also guard invitation acceptance."""

from pathlib import Path

import httpx
from sqlalchemy import select

from helpline.core.runtime import Runtime
from helpline.mail.models import OutboxEmail
from helpline.settings import Settings
from helpline.tenancy.models import Membership, Role, Workspace
from tests.conftest import make_settings
from tests.fixtures.api import bearer, link_token, scalars, serve
from tests.fixtures.world import PASSWORD, World

SIGNUP = {
    "workspace_name": "Acme Support",
    "name": "Ada Lovelace",
    "email": "Ada@Acme.example",
    "password": PASSWORD,
}


def _settings(settings: Settings, **overrides: object) -> Settings:
    return make_settings(Path(settings.data_dir), **overrides)


class TestSignup:
    async def test_disabled_by_default(self, client: httpx.AsyncClient, runtime: Runtime) -> None:
        response = await client.post("/api/v1/auth/signup", json=SIGNUP)
        assert response.status_code == 403
        assert "disabled" in response.json()["detail"]
        assert await scalars(runtime, select(Workspace)) == []

    async def test_creates_an_owned_workspace_and_logs_in(
        self, settings: Settings, runtime: Runtime
    ) -> None:
        async with serve(_settings(settings, allow_signup=True)) as (client,):
            response = await client.post("/api/v1/auth/signup", json=SIGNUP)
            assert response.status_code == 201, response.text
            tokens = response.json()
            me = await client.get("/api/v1/me", headers=bearer(tokens["access_token"]))
        assert me.json()["email"] == "ada@acme.example"
        [workspace] = await scalars(runtime, select(Workspace))
        assert (workspace.name, workspace.slug) == ("Acme Support", "acme-support")
        assert str(workspace.id) == tokens["workspace_id"]
        [membership] = await scalars(runtime, select(Membership))
        assert membership.role == Role.owner

    async def test_taken_email_is_a_conflict_and_creates_nothing(
        self, settings: Settings, runtime: Runtime
    ) -> None:
        async with serve(_settings(settings, allow_signup=True)) as (client,):
            assert (await client.post("/api/v1/auth/signup", json=SIGNUP)).status_code == 201
            again = await client.post(
                "/api/v1/auth/signup", json={**SIGNUP, "workspace_name": "Other"}
            )
        assert again.status_code == 409
        assert len(await scalars(runtime, select(Workspace))) == 1

    async def test_limited_per_account_and_per_ip(self, settings: Settings) -> None:
        limited = _settings(
            settings, allow_signup=True, signup_limit_per_account=2, signup_limit_per_ip=3
        )
        async with serve(limited, "198.51.100.1", "198.51.100.2") as (first, second):
            for _ in range(2):
                await first.post("/api/v1/auth/signup", json=SIGNUP)
            # The same email from another address is still over its account's limit ...
            per_account = await second.post("/api/v1/auth/signup", json=SIGNUP)
            assert per_account.status_code == 429
            assert int(per_account.headers["Retry-After"]) > 0
            # ... and other emails from the first address hit the address's limit.
            await first.post("/api/v1/auth/signup", json={**SIGNUP, "email": "b@acme.example"})
            per_ip = await first.post(
                "/api/v1/auth/signup", json={**SIGNUP, "email": "c@acme.example"}
            )
            assert per_ip.status_code == 429


async def test_invitation_acceptance_is_limited_per_invited_account(
    settings: Settings, runtime: Runtime, world: World
) -> None:
    """Joining with an existing account checks its password: guessing it is rate limited."""
    limited = _settings(settings, signup_limit_per_account=2)
    owner = world.a.member(Role.owner)
    async with serve(limited, "198.51.100.1", "198.51.100.2") as (first, second):
        invited = await first.post(
            "/api/v1/invitations",
            json={"email": world.b.member(Role.agent).user.email, "role": "agent"},
            headers=owner.headers,
        )
        assert invited.status_code == 201
        emails = await scalars(
            runtime,
            select(OutboxEmail).where(
                OutboxEmail.to_address == world.b.member(Role.agent).user.email
            ),
        )
        token = link_token(emails[-1].body_text, "/invitations/accept")
        for client in (first, second):
            wrong = await client.post(
                "/api/v1/invitations/accept", json={"token": token, "password": "not the password"}
            )
            assert wrong.status_code == 401
        blocked = await first.post(
            "/api/v1/invitations/accept", json={"token": token, "password": PASSWORD}
        )
        assert blocked.status_code == 429
