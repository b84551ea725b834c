"""Helpers for the conversation tests: calling the API, real principals for service-level
tests, extra members, and reading what the app left in the database."""

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth import service as auth
from helpline.auth.principals import ApiKeyPrincipal, MemberPrincipal
from helpline.conversations.models import Conversation, ConversationLabel, Message, ReadCursor
from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.tenancy import service as tenancy
from helpline.tenancy.models import Role
from tests.fixtures.api import load, scalars
from tests.fixtures.world import PASSWORD, Member, Tenant

CONVERSATIONS = "/api/v1/conversations"


def url(conversation_id: object, action: str = "") -> str:
    return f"{CONVERSATIONS}/{conversation_id}" + (f"/{action}" if action else "")


async def start(
    client: httpx.AsyncClient, headers: dict[str, str], contact_id: object, **fields: Any
) -> dict[str, Any]:
    """Start a conversation through the API; fails the test unless it is a 201."""
    response = await client.post(
        CONVERSATIONS, json={"contact_id": str(contact_id), **fields}, headers=headers
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def send(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    conversation_id: object,
    body: str,
    **extra: Any,
) -> httpx.Response:
    return await client.post(
        url(conversation_id, "messages"), json={"body": body, **extra}, headers=headers
    )


async def conversation_row(runtime: Runtime, conversation_id: object) -> Conversation:
    row = await load(runtime, Conversation, str(conversation_id))
    assert row is not None
    return row


async def messages_of(runtime: Runtime, conversation_id: object) -> list[Message]:
    statement = (
        select(Message)
        .where(Message.conversation_id == uuid.UUID(str(conversation_id)))
        .order_by(Message.seq)
    )
    return list(await scalars(runtime, statement))


async def system_events(runtime: Runtime, conversation_id: object) -> list[str | None]:
    return [m.event for m in await messages_of(runtime, conversation_id) if m.event]


async def labels_of(runtime: Runtime, conversation_id: object) -> list[str]:
    statement = select(ConversationLabel.label).where(
        ConversationLabel.conversation_id == uuid.UUID(str(conversation_id))
    )
    return sorted(await scalars(runtime, statement))


async def cursors_of(runtime: Runtime, conversation_id: object) -> list[ReadCursor]:
    statement = select(ReadCursor).where(
        ReadCursor.conversation_id == uuid.UUID(str(conversation_id))
    )
    return list(await scalars(runtime, statement))


async def member_principal(runtime: Runtime, member: Member) -> MemberPrincipal:
    """The principal the API resolves from this member's token."""
    async with unit_of_work(runtime.sessionmaker) as session:
        principal = await auth.authenticate_access_token(
            session, runtime.settings, member.access_token
        )
    assert isinstance(principal, MemberPrincipal)
    return principal


async def api_key_principal(runtime: Runtime, tenant: Tenant) -> ApiKeyPrincipal:
    async with unit_of_work(runtime.sessionmaker) as session:
        return await auth.authenticate_api_key(session, tenant.api_key_secret)


async def new_member(runtime: Runtime, tenant: Tenant, role: Role, name: str) -> Member:
    """Another member of `tenant`, logged in (the world has one per role)."""
    async with unit_of_work(runtime.sessionmaker) as session:
        user = await auth.create_user(
            session,
            runtime.settings,
            email=f"{name}@{tenant.workspace.slug}.example",
            name=name,
            password=PASSWORD,
        )
        membership = await tenancy.add_member(session, None, tenant.workspace, user, role)
        pair = await auth.start_session(session, runtime.settings, user, tenant.workspace.id)
    return Member(user, membership, pair.access_token, pair.refresh_token)


async def new_team(client: httpx.AsyncClient, tenant: Tenant, name: str, *members: Member) -> str:
    """A team made through the API by the tenant's admin; returns its id."""
    admin = tenant.member(Role.admin).headers
    response = await client.post("/api/v1/teams", json={"name": name}, headers=admin)
    assert response.status_code == 201, response.text
    team_id: str = response.json()["id"]
    for member in members:
        added = await client.post(
            f"/api/v1/teams/{team_id}/members",
            json={"member_id": str(member.membership.id)},
            headers=admin,
        )
        assert added.status_code == 200, added.text
    return team_id


@asynccontextmanager
async def service_session(runtime: Runtime) -> AsyncIterator[AsyncSession]:
    async with unit_of_work(runtime.sessionmaker) as session:
        yield session


@contextmanager
def counting_queries(app: FastAPI) -> Iterator[list[str]]:
    """Every SQL statement the app's engine runs inside the block (the app must be serving)."""
    statements: list[str] = []
    engine = app.state.runtime.engine.sync_engine

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
