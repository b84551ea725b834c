import asyncio
import time
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text

from helpline.auth import service as auth
from helpline.auth.principals import MemberPrincipal
from helpline.contacts.models import Contact
from helpline.core.runtime import Runtime
from helpline.settings import Settings
from helpline.tenancy.models import Role
from tests.fixtures.api import scalars, shared_app
from tests.fixtures.world import World
from tests.fixtures.world_cache import restored_world

CONTACTS = "/api/v1/contacts"
LOCK_WAIT_DEADLINE_S = 10.0


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    """The conftest `app`, built once per run (see shared_app); `client` still runs a fresh
    lifespan, with its own runtime and rate limiter, for every test."""
    return shared_app(settings)


@pytest.fixture
async def world(runtime: Runtime) -> World:
    """Two workspaces with every kind of actor (tests/fixtures/world.py), restored from a
    snapshot of the real build (tests/fixtures/world_cache.py)."""
    return await restored_world(runtime)


async def principal_of(runtime: Runtime, access_token: str) -> MemberPrincipal:
    """A member's principal, as the real authentication resolves it from their token."""
    async with runtime.sessionmaker() as session:
        principal = await auth.authenticate_access_token(session, runtime.settings, access_token)
        await session.commit()  # authenticating may record when the session was last used
    assert isinstance(principal, MemberPrincipal)
    return principal


@pytest.fixture
async def agent_a(runtime: Runtime, world: World) -> MemberPrincipal:
    return await principal_of(runtime, world.a.member(Role.agent).access_token)


async def contact_ids(runtime: Runtime, workspace_id: uuid.UUID) -> list[uuid.UUID]:
    """The workspace's contacts in the database, oldest first."""
    statement = select(Contact.id).where(Contact.workspace_id == workspace_id).order_by(Contact.id)
    return list(await scalars(runtime, statement))


async def create(
    client: httpx.AsyncClient, headers: dict[str, str], **fields: Any
) -> dict[str, Any]:
    """POST a contact; fails the test unless it is created."""
    response = await client.post(CONTACTS, json=fields, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def wait_for_a_lock_wait(runtime: Runtime) -> None:
    """Return once some PostgreSQL transaction is waiting for a lock, so a test can prove
    that a concurrent writer really queued behind another. SQLite has nothing to observe:
    BEGIN IMMEDIATE makes every writer wait for the write lock before its first read."""
    if runtime.settings.is_sqlite:
        return
    deadline = time.monotonic() + LOCK_WAIT_DEADLINE_S
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    async with runtime.engine.connect() as connection:
        while time.monotonic() < deadline:
            if (await connection.execute(query)).scalar_one():
                return
            await connection.rollback()  # a fresh snapshot of pg_stat_activity each time
            await asyncio.sleep(0.01)
    pytest.fail("no transaction waited for a lock: the writes were not serialised")
