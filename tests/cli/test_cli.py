"""The `helpline` command line, through Typer's runner, on the test database."""

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from helpline.auth.models import User
from helpline.cli import app
from helpline.cli.demo import DEMO_LOGINS
from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.mail.models import OutboxEmail
from helpline.settings import Settings, get_settings
from helpline.tenancy.models import Membership, Role, Workspace


@pytest.fixture
def cli_env(settings: Settings) -> Iterator[dict[str, str]]:
    get_settings.cache_clear()
    yield {
        "HELPLINE_DATABASE_URL": settings.resolved_database_url,
        "HELPLINE_DATA_DIR": str(settings.data_dir),
        "HELPLINE_ENVIRONMENT": "testing",
        "HELPLINE_ARGON2_TIME_COST": "1",
        "HELPLINE_ARGON2_MEMORY_KIB": "1024",
        "HELPLINE_LOG_LEVEL": "WARNING",
    }
    get_settings.cache_clear()


async def run_cli(env: dict[str, str], *args: str, input: str | None = None) -> Result:
    # The CLI runs its own event loop (asyncio.run), so it must not run on the test's.
    return await asyncio.to_thread(CliRunner().invoke, app, list(args), env=env, input=input)


async def invoke(env: dict[str, str], *args: str, input: str | None = None) -> str:
    result = await run_cli(env, *args, input=input)
    assert result.exit_code == 0, result.output
    return result.output


async def _members(runtime: Runtime, slug: str) -> dict[str, Role]:
    async with unit_of_work(runtime.sessionmaker) as session:
        rows = await session.execute(
            select(User.email, Membership.role)
            .join(Membership, Membership.user_id == User.id)
            .join(Workspace, Workspace.id == Membership.workspace_id)
            .where(Workspace.slug == slug)
        )
        return {email: role for email, role in rows.all()}  # noqa: C416 (rows are not pairs to mypy)


async def test_db_upgrade_is_idempotent(cli_env: dict[str, str], runtime: Runtime) -> None:
    assert "head" in await invoke(cli_env, "db", "upgrade")
    assert "head" in await invoke(cli_env, "db", "upgrade")


async def test_workspace_create_with_owner_account(
    cli_env: dict[str, str], runtime: Runtime
) -> None:
    output = await invoke(
        cli_env,
        "workspace", "create", "Acme Support",
        "--owner-email", "Boss@Acme.example",
        "--owner-name", "Boss",
        "--owner-password", "a long enough password",
        "--domain", "acme.example",
    )  # fmt: skip
    assert "acme-support" in output
    assert await _members(runtime, "acme-support") == {"boss@acme.example": Role.owner}


async def test_workspace_create_invites_a_new_owner(
    cli_env: dict[str, str], runtime: Runtime
) -> None:
    await invoke(cli_env, "workspace", "create", "Beta", "--owner-email", "new@beta.example")
    assert await _members(runtime, "beta") == {}
    async with unit_of_work(runtime.sessionmaker) as session:
        emails = (await session.scalars(select(OutboxEmail))).all()
    assert [e.to_address for e in emails] == ["new@beta.example"]
    assert "/invitations/accept?token=" in emails[0].body_text


async def test_user_create_into_a_workspace(cli_env: dict[str, str], runtime: Runtime) -> None:
    await invoke(cli_env, "workspace", "create", "Gamma", "--owner-email", "o@gamma.example")
    output = await invoke(
        cli_env,
        "user", "create", "agent@gamma.example",
        "--name", "Agent", "--workspace", "gamma", "--role", "supervisor",
        input="a long enough password\na long enough password\n",
    )  # fmt: skip
    assert "supervisor of Gamma" in output
    assert await _members(runtime, "gamma") == {"agent@gamma.example": Role.supervisor}


async def test_errors_are_one_clear_line(cli_env: dict[str, str], runtime: Runtime) -> None:
    result = await run_cli(
        cli_env, "user", "create", "x@y.example", "--name", "X", "--password", "short"
    )
    assert result.exit_code == 1
    assert "at least 10 characters" in result.output
    assert "Traceback" not in result.output


async def test_demo_twice_keeps_the_data_and_its_logins_work(
    cli_env: dict[str, str], runtime: Runtime, client: httpx.AsyncClient
) -> None:
    first = await invoke(cli_env, "demo", "--no-serve")
    second = await invoke(cli_env, "demo", "--no-serve")
    for output in (first, second):
        for login in DEMO_LOGINS:
            assert f"{login.email}" in output
            assert login.password in output
    members = await _members(runtime, "demo")
    assert sorted(members.values()) == [Role.agent, Role.agent, Role.owner]
    for login in DEMO_LOGINS:
        response = await client.post(
            "/api/v1/auth/login", json={"email": login.email, "password": login.password}
        )
        assert response.status_code == 200, response.text
        token = response.json()["access_token"]
        me = await client.get("/api/v1/members", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200


async def test_outbox_shows_emails(cli_env: dict[str, str], runtime: Runtime) -> None:
    assert "empty" in await invoke(cli_env, "outbox")
    await invoke(cli_env, "workspace", "create", "Delta", "--owner-email", "o@delta.example")
    output = await invoke(cli_env, "outbox")
    assert "To: o@delta.example" in output
    assert "invitations/accept?token=" in output
