"""Contacts over REST: create, read, update, list and search, as agents and API keys.

Anonymous, wrong-role and other-workspace calls are attacked for every route by
tests/isolation/test_route_sweep.py.
"""

import asyncio
import uuid

import httpx
import pytest

from helpline.auth.principals import MemberPrincipal
from helpline.contacts import service as contacts
from helpline.contacts.access import access_contact
from helpline.contacts.models import Contact
from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.tenancy.models import Role
from tests.contacts.conftest import CONTACTS, contact_ids, create, wait_for_a_lock_wait
from tests.fixtures.api import load, walk_pages
from tests.fixtures.world import World

GRACE = {
    "name": "Grace Hopper",
    "email": "Grace@Example.COM",
    "phone": "+1 (555) 010-0199",
    "external_id": "user-1042",
    "attributes": {"plan": "pro", "seats": 12, "trial": False, "score": 4.5},
}


class TestCreateContact:
    async def test_creates_a_normalised_contact(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        response = await client.post(
            CONTACTS, json=GRACE, headers=world.a.member(Role.agent).headers
        )

        assert response.status_code == 201, response.text
        created = response.json()
        assert {k: created[k] for k in ("name", "email", "phone", "external_id")} == {
            "name": "Grace Hopper",
            "email": "grace@example.com",
            "phone": "+15550100199",
            "external_id": "user-1042",
        }
        assert created["attributes"] == GRACE["attributes"]
        assert created["browser"] == {}
        contact = await load(runtime, Contact, created["id"])
        assert contact is not None
        assert contact.workspace_id == world.a.workspace.id
        assert (contact.email, contact.phone, contact.attributes) == (
            "grace@example.com",
            "+15550100199",
            GRACE["attributes"],
        )
        assert created["first_seen_at"] == contact.first_seen_at.isoformat().replace("+00:00", "Z")

    async def test_an_api_key_creates_an_anonymous_contact(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        response = await client.post(CONTACTS, json={}, headers=world.b.api_key_headers)

        assert response.status_code == 201, response.text
        created = response.json()
        assert [created[k] for k in ("name", "email", "phone", "external_id")] == [None] * 4
        assert created["attributes"] == {}
        contact = await load(runtime, Contact, created["id"])
        assert contact is not None
        assert contact.workspace_id == world.b.workspace.id

    async def test_blank_fields_are_left_empty(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        created = await create(
            client,
            world.a.member(Role.agent).headers,
            name="  ",
            email="",
            phone=" ",
            external_id="",
            attributes={"plan": None},
        )

        assert [created[k] for k in ("name", "email", "phone", "external_id")] == [None] * 4
        assert created["attributes"] == {}

    async def test_external_id_is_unique_in_the_workspace(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        before = await contact_ids(runtime, world.a.workspace.id)
        first = await create(client, world.a.member(Role.agent).headers, external_id="user-7")

        again = await client.post(
            CONTACTS,
            json={"name": "Someone else", "external_id": "user-7"},
            headers=world.a.api_key_headers,
        )
        elsewhere = await client.post(
            CONTACTS, json={"external_id": "user-7"}, headers=world.b.api_key_headers
        )

        assert again.status_code == 409
        assert again.json() == {
            "error": "ExternalIdTaken",
            "detail": "Another contact in this workspace already has the external id 'user-7'.",
        }
        assert await contact_ids(runtime, world.a.workspace.id) == [*before, uuid.UUID(first["id"])]
        assert elsewhere.status_code == 201
        other = await load(runtime, Contact, elsewhere.json()["id"])
        assert other is not None
        assert (other.workspace_id, other.external_id) == (world.b.workspace.id, "user-7")


class TestGetContact:
    async def test_reads_a_contact(self, client: httpx.AsyncClient, world: World) -> None:
        created = await create(client, world.a.member(Role.agent).headers, **GRACE)

        by_member = await client.get(
            f"{CONTACTS}/{created['id']}", headers=world.a.member(Role.supervisor).headers
        )
        by_key = await client.get(f"{CONTACTS}/{created['id']}", headers=world.a.api_key_headers)

        assert by_member.status_code == by_key.status_code == 200
        assert by_member.json() == by_key.json() == created

    async def test_another_workspace_sees_nothing(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        created = await create(client, world.a.member(Role.agent).headers, **GRACE)

        response = await client.get(
            f"{CONTACTS}/{created['id']}", headers=world.b.member(Role.owner).headers
        )

        assert response.status_code == 404
        assert response.json() == {"error": "NotFound", "detail": "Contact not found."}


class TestUpdateContact:
    async def test_changes_only_the_fields_sent(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agent = world.a.member(Role.agent).headers
        created = await create(client, agent, **GRACE)

        response = await client.patch(
            f"{CONTACTS}/{created['id']}",
            json={"email": "GRACE.H@navy.example", "phone": "+1 555 010 0200"},
            headers=agent,
        )

        assert response.status_code == 200, response.text
        updated = response.json()
        assert (updated["email"], updated["phone"]) == ("grace.h@navy.example", "+15550100200")
        assert (updated["name"], updated["external_id"]) == ("Grace Hopper", "user-1042")
        assert updated["attributes"] == GRACE["attributes"]
        contact = await load(runtime, Contact, created["id"])
        assert contact is not None
        assert (contact.email, contact.phone, contact.name) == (
            "grace.h@navy.example",
            "+15550100200",
            "Grace Hopper",
        )

    async def test_null_clears_a_field(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        created = await create(client, world.a.member(Role.agent).headers, **GRACE)

        response = await client.patch(
            f"{CONTACTS}/{created['id']}",
            json={"phone": None, "external_id": None},
            headers=world.a.api_key_headers,
        )

        assert response.status_code == 200
        contact = await load(runtime, Contact, created["id"])
        assert contact is not None
        assert (contact.phone, contact.external_id, contact.email) == (
            None,
            None,
            "grace@example.com",
        )

    async def test_attributes_are_merged_and_null_deletes(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agent = world.a.member(Role.agent).headers
        created = await create(client, agent, **GRACE)

        response = await client.patch(
            f"{CONTACTS}/{created['id']}",
            json={"attributes": {"seats": 15, "trial": None, "company": "Navy", "gone": None}},
            headers=agent,
        )

        assert response.status_code == 200, response.text
        expected = {"plan": "pro", "seats": 15, "score": 4.5, "company": "Navy"}
        assert response.json()["attributes"] == expected
        contact = await load(runtime, Contact, created["id"])
        assert contact is not None
        assert contact.attributes == expected

    async def test_attributes_cannot_be_null(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        created = await create(client, world.a.member(Role.agent).headers, **GRACE)

        response = await client.patch(
            f"{CONTACTS}/{created['id']}",
            json={"attributes": None},
            headers=world.a.member(Role.agent).headers,
        )

        assert response.status_code == 422
        assert response.json()["fields"][0]["location"] == "body.attributes"
        contact = await load(runtime, Contact, created["id"])
        assert contact is not None
        assert contact.attributes == GRACE["attributes"]

    async def test_the_limit_counts_the_merged_attributes(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agent = world.a.member(Role.agent).headers
        fifty = {f"a{n}": n for n in range(50)}
        created = await create(client, agent, attributes=fifty)
        url = f"{CONTACTS}/{created['id']}"

        one_more = await client.patch(url, json={"attributes": {"extra": 1}}, headers=agent)
        swap = await client.patch(url, json={"attributes": {"extra": 1, "a0": None}}, headers=agent)

        assert one_more.status_code == 422
        assert one_more.json()["detail"] == (
            "A contact can have at most 50 attributes; this would give it 51."
        )
        assert swap.status_code == 200
        contact = await load(runtime, Contact, created["id"])
        assert contact is not None
        assert len(contact.attributes) == 50
        assert "a0" not in contact.attributes
        assert contact.attributes["extra"] == 1

    async def test_invalid_changes_change_nothing(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agent = world.a.member(Role.agent).headers
        created = await create(client, agent, **GRACE)
        url = f"{CONTACTS}/{created['id']}"

        bad_email = await client.patch(
            url, json={"name": "New name", "email": "nope"}, headers=agent
        )
        bad_attribute = await client.patch(
            url, json={"name": "New name", "attributes": {"Bad": 1}}, headers=agent
        )

        assert bad_email.status_code == bad_attribute.status_code == 422
        assert bad_email.json()["detail"] == (
            "The email address 'nope' is not valid. An email address must have an @-sign."
        )
        contact = await load(runtime, Contact, created["id"])
        assert contact is not None
        assert (contact.name, contact.email) == ("Grace Hopper", "grace@example.com")

    async def test_external_id_stays_unique(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agent = world.a.member(Role.agent).headers
        await create(client, agent, external_id="user-1")
        second = await create(client, agent, external_id="user-2")
        url = f"{CONTACTS}/{second['id']}"

        clash = await client.patch(url, json={"external_id": "user-1"}, headers=agent)
        unchanged = await client.patch(
            url, json={"external_id": "user-2", "name": "Two"}, headers=agent
        )

        assert clash.status_code == 409
        assert clash.json()["detail"] == (
            "Another contact in this workspace already has the external id 'user-1'."
        )
        assert unchanged.status_code == 200
        contact = await load(runtime, Contact, second["id"])
        assert contact is not None
        assert (contact.external_id, contact.name) == ("user-2", "Two")

    async def test_concurrent_merges_keep_every_key(
        self,
        client: httpx.AsyncClient,
        runtime: Runtime,
        world: World,
        agent_a: MemberPrincipal,
    ) -> None:
        """A merge reads before it writes: the second must wait for the first, not undo it."""
        created = await create(client, world.a.member(Role.agent).headers, attributes={})
        contact_id = uuid.UUID(created["id"])

        async with unit_of_work(runtime.sessionmaker) as session:
            contact = await access_contact(session, agent_a, contact_id, for_write=True)
            patch = asyncio.create_task(
                client.patch(
                    f"{CONTACTS}/{contact_id}",
                    json={"attributes": {"from_rest": 1}},
                    headers=world.a.api_key_headers,
                )
            )
            await wait_for_a_lock_wait(runtime)
            await contacts.update_contact(
                session, contact, changes={"attributes": {"from_service": 2}}
            )
        response = await patch

        assert response.status_code == 200, response.text
        assert response.json()["attributes"] == {"from_service": 2, "from_rest": 1}
        stored = await load(runtime, Contact, contact_id)
        assert stored is not None
        assert stored.attributes == {"from_service": 2, "from_rest": 1}


class TestListContacts:
    async def test_newest_first_in_pages(self, client: httpx.AsyncClient, world: World) -> None:
        agent = world.a.member(Role.agent).headers
        before = await walk_pages(client, CONTACTS, agent)
        made = [await create(client, agent, name=f"Contact {n}") for n in range(5)]
        await create(client, world.b.member(Role.agent).headers, name="Elsewhere")

        listed = await walk_pages(client, CONTACTS, agent, limit=2)

        assert [c["id"] for c in listed] == [c["id"] for c in reversed(made)] + [
            c["id"] for c in before
        ]
        assert listed[0] == made[-1]
        assert "Elsewhere" not in [c["name"] for c in listed]

    @pytest.mark.parametrize(
        ("q", "expected"),
        [
            ("grace", ["Grace Hopper"]),  # name, ignoring case
            ("HOPPER", ["Grace Hopper"]),
            ("@navy.example", ["Ada Lovelace"]),  # part of an email
            ("USER-10", ["Grace Hopper"]),  # part of an external id
            ("555 010", ["Grace Hopper"]),  # a phone as people type it
            ("+1 (555) 010-0199", ["Grace Hopper"]),
            ("0199", ["Grace Hopper"]),
            ("44 20", ["Ada Lovelace"]),
            ("%", ["Percent % Sign"]),  # LIKE wildcards are literal
            ("_", []),
            ("nobody", []),
        ],
    )
    async def test_search(
        self, client: httpx.AsyncClient, world: World, q: str, expected: list[str]
    ) -> None:
        agent = world.a.member(Role.agent).headers
        made = [
            await create(client, agent, **GRACE),
            await create(
                client,
                agent,
                name="Ada Lovelace",
                email="ada@navy.example",
                phone="+44 20 7946 0000",
                external_id="ada",
            ),
            await create(client, agent, name="Percent % Sign"),
        ]
        await create(client, world.b.member(Role.agent).headers, name="Grace in B")

        response = await client.get(CONTACTS, params={"q": q}, headers=agent)

        assert response.status_code == 200, response.text
        # Only this test's contacts: the world may hold others of its own.
        ours = {c["id"] for c in made}
        found = [c["name"] for c in response.json()["items"] if c["id"] in ours]
        assert found == expected
        assert "Grace in B" not in [c["name"] for c in response.json()["items"]]

    async def test_filter_by_exact_email(self, client: httpx.AsyncClient, world: World) -> None:
        agent = world.a.member(Role.agent).headers
        grace = await create(client, agent, **GRACE)
        await create(client, agent, name="Grace's colleague", email="grace@example.com.au")

        exact = await client.get(CONTACTS, params={"email": "GRACE@example.com"}, headers=agent)
        partial = await client.get(CONTACTS, params={"email": "grace@example"}, headers=agent)

        assert [c["id"] for c in exact.json()["items"]] == [grace["id"]]
        assert partial.json() == {"items": [], "next_cursor": None}

    async def test_refuses_a_bad_cursor(self, client: httpx.AsyncClient, world: World) -> None:
        response = await client.get(
            CONTACTS, params={"cursor": "not-a-cursor"}, headers=world.a.api_key_headers
        )

        assert response.status_code == 400
        assert response.json()["error"] == "BadRequest"
