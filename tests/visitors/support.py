"""Helpers for the visitor tests: widget sessions through the API, and identity hashes."""

import hashlib
import hmac
from typing import Any

import httpx
from sqlalchemy import select

from helpline.auth.models import VisitorSession
from helpline.contacts.models import Contact
from helpline.core.runtime import Runtime
from helpline.tenancy.models import Role
from tests.fixtures.api import load, scalars
from tests.fixtures.world import Tenant

SESSIONS = "/api/v1/widget/sessions"
ME = "/api/v1/widget/me"
SECRET = "/api/v1/workspace/identity-secret"
SHOP = "https://shop.a.example"


def sign(secret: str, external_id: str) -> str:
    """What the website's server computes, written independently of the service's code."""
    return hmac.new(secret.encode(), external_id.encode(), hashlib.sha256).hexdigest()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def allow_origins(
    client: httpx.AsyncClient, tenant: Tenant, origins: list[str], **settings: Any
) -> None:
    response = await client.patch(
        "/api/v1/workspace",
        json={"settings": {"widget_origins": origins, **settings}},
        headers=tenant.member(Role.owner).headers,
    )
    assert response.status_code == 200, response.text


async def start(
    client: httpx.AsyncClient, tenant: Tenant, *, origin: str | None = SHOP, **body: Any
) -> httpx.Response:
    headers = {"Origin": origin} if origin is not None else {}
    return await client.post(
        SESSIONS, json={"public_key": tenant.workspace.public_key, **body}, headers=headers
    )


async def started(
    client: httpx.AsyncClient, tenant: Tenant, *, origin: str | None = SHOP, **body: Any
) -> dict[str, Any]:
    response = await start(client, tenant, origin=origin, **body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def session_of(runtime: Runtime, token: str) -> VisitorSession:
    statement = select(VisitorSession).where(
        VisitorSession.token_hash == hashlib.sha256(token.encode()).hexdigest()
    )
    [found] = await scalars(runtime, statement)
    return found


async def contact_of(runtime: Runtime, token: str) -> Contact:
    contact = await load(runtime, Contact, (await session_of(runtime, token)).contact_id)
    assert contact is not None
    return contact
