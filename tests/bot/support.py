"""Helpers for bot tests: switching the bot on, and a visitor writing in."""

from typing import Any

import httpx
from sqlalchemy import update

from helpline.core.runtime import Runtime
from helpline.tenancy.models import Workspace
from tests.fixtures.api import execute, load
from tests.fixtures.world import Tenant

WIDGET = "/api/v1/widget/conversations"


async def enable_bot(runtime: Runtime, tenant: Tenant, **settings: Any) -> None:
    workspace = await load(runtime, Workspace, tenant.workspace.id)
    assert workspace is not None
    merged = {**workspace.settings, "bot_enabled": True, **settings}
    await execute(
        runtime, update(Workspace).where(Workspace.id == workspace.id).values(settings=merged)
    )


async def visitor_starts(client: httpx.AsyncClient, tenant: Tenant, body: str) -> str:
    response = await client.post(
        WIDGET, json={"subject": "", "body": body}, headers=tenant.visitor_headers
    )
    assert response.status_code == 201, response.text
    conversation_id: str = response.json()["id"]
    return conversation_id


async def visitor_says(
    client: httpx.AsyncClient, tenant: Tenant, conversation_id: str, body: str
) -> None:
    response = await client.post(
        f"{WIDGET}/{conversation_id}/messages", json={"body": body}, headers=tenant.visitor_headers
    )
    assert response.status_code == 201, response.text


async def history(
    client: httpx.AsyncClient, headers: dict[str, str], conversation_id: str
) -> list[dict[str, Any]]:
    """The conversation's messages as an agent reads them over REST."""
    response = await client.get(
        f"/api/v1/conversations/{conversation_id}/messages", headers=headers
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items
