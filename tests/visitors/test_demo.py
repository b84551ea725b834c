"""`helpline demo` lets the widget run on the server's own origin."""

import httpx
from sqlalchemy import select

from helpline.core.runtime import Runtime
from helpline.tenancy.models import Workspace
from tests.cli.test_cli import cli_env, invoke
from tests.fixtures.api import scalars
from tests.visitors.support import SESSIONS

__all__ = ["cli_env"]  # the fixture, shared with the CLI tests


async def test_demo_allows_the_public_urls_origin(
    cli_env: dict[str, str], runtime: Runtime, client: httpx.AsyncClient
) -> None:
    env = {**cli_env, "HELPLINE_PUBLIC_URL": "http://LOCALHOST:8080/helpline/"}
    output = await invoke(env, "demo", "--no-serve")
    await invoke(env, "demo", "--no-serve")

    assert "http://localhost:8080" in output
    [workspace] = await scalars(runtime, select(Workspace).where(Workspace.slug == "demo"))
    assert workspace.settings["widget_origins"] == ["http://localhost:8080"]
    allowed = await client.post(
        SESSIONS,
        json={"public_key": workspace.public_key},
        headers={"Origin": "http://localhost:8080"},
    )
    assert allowed.status_code == 200, allowed.text
