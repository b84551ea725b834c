"""GET /api/v1/contacts/{id}/conversations: a contact's conversations, within team visibility."""

import uuid
from datetime import datetime

import httpx
from sqlalchemy import select

from helpline.auth.principals import MemberPrincipal
from helpline.contacts.access import access_contact
from helpline.conversations import service as conversations
from helpline.conversations.models import Channel, Conversation
from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.tenancy import service as tenancy
from helpline.tenancy.models import Role
from tests.contacts.conftest import CONTACTS, create, principal_of
from tests.fixtures.api import bearer, scalars
from tests.fixtures.world import World


async def _start(
    runtime: Runtime, actor: MemberPrincipal, contact_id: str, subject: str
) -> uuid.UUID:
    async with unit_of_work(runtime.sessionmaker) as session:
        contact = await access_contact(session, actor, uuid.UUID(contact_id))
        conversation = await conversations.start_conversation(
            session, actor, contact, channel=Channel.widget, subject=subject, body=None
        )
        return conversation.id


class TestContactConversations:
    async def test_lists_the_contacts_conversations_newest_first(
        self,
        client: httpx.AsyncClient,
        runtime: Runtime,
        world: World,
        agent_a: MemberPrincipal,
    ) -> None:
        agent = world.a.member(Role.agent).headers
        grace = await create(client, agent, name="Grace")
        ada = await create(client, agent, name="Ada")
        first = await _start(runtime, agent_a, grace["id"], "Invoice")
        await _start(runtime, agent_a, ada["id"], "Not Grace's")
        second = await _start(runtime, agent_a, grace["id"], "Refund")

        response = await client.get(f"{CONTACTS}/{grace['id']}/conversations", headers=agent)

        assert response.status_code == 200, response.text
        listed = response.json()["items"]
        assert [c["id"] for c in listed] == [str(second), str(first)]
        [stored] = await scalars(runtime, select(Conversation).where(Conversation.id == second))
        assert listed[0] == {
            "id": str(stored.id),
            "number": stored.number,
            "public_id": stored.public_id,
            "status": "open",
            "subject": "Refund",
            "last_activity_at": _iso(stored.last_activity_at),
            "created_at": _iso(stored.created_at),
        }

    async def test_a_contact_without_conversations(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        contact = await create(client, world.a.api_key_headers, name="New")

        response = await client.get(
            f"{CONTACTS}/{contact['id']}/conversations", headers=world.a.api_key_headers
        )

        assert response.status_code == 200
        assert response.json() == {"items": [], "next_cursor": None}

    async def test_agents_see_only_what_their_teams_allow(
        self,
        client: httpx.AsyncClient,
        runtime: Runtime,
        world: World,
    ) -> None:
        owner = await principal_of(runtime, world.a.member(Role.owner).access_token)
        contact = await create(client, world.a.api_key_headers, name="Grace")
        open_to_all = await _start(runtime, owner, contact["id"], "No team")
        sales_only = await _start(runtime, owner, contact["id"], "Sales only")
        async with unit_of_work(runtime.sessionmaker) as session:
            # The world's agent is in Billing, not in Sales.
            sales = await tenancy.create_team(session, owner, name="Sales", description="")
            conversation = await session.get(Conversation, sales_only)
            assert conversation is not None
            await conversations.set_team(session, owner, conversation, sales)
        url = f"{CONTACTS}/{contact['id']}/conversations"

        by_agent = await client.get(url, headers=world.a.member(Role.agent).headers)
        by_supervisor = await client.get(url, headers=world.a.member(Role.supervisor).headers)
        by_key = await client.get(url, headers=world.a.api_key_headers)

        assert [c["id"] for c in by_agent.json()["items"]] == [str(open_to_all)]
        everything = [str(sales_only), str(open_to_all)]
        assert [c["id"] for c in by_supervisor.json()["items"]] == everything
        assert [c["id"] for c in by_key.json()["items"]] == everything

    async def test_a_key_needs_the_conversations_scope(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World, agent_a: MemberPrincipal
    ) -> None:
        created = await client.post(
            "/api/v1/api-keys",
            json={"name": "CRM sync", "scopes": ["contacts:read"]},
            headers=world.a.member(Role.owner).headers,
        )
        assert created.status_code == 201, created.text
        crm = bearer(created.json()["secret"])
        contact = await create(client, world.a.api_key_headers, name="Grace")
        await _start(runtime, agent_a, contact["id"], "Private matter")

        read = await client.get(f"{CONTACTS}/{contact['id']}", headers=crm)
        listed = await client.get(f"{CONTACTS}/{contact['id']}/conversations", headers=crm)

        assert read.status_code == 200
        assert listed.status_code == 403
        assert listed.json() == {
            "error": "PermissionDenied",
            "detail": "This API key lacks the conversations:read scope.",
        }


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")
