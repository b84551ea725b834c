"""GET and PATCH /api/v1/widget/me, and the workspace's identity secret routes."""

import httpx
import pytest

from helpline.contacts.models import Contact
from helpline.core.runtime import Runtime
from helpline.tenancy.models import Role, Workspace
from tests.fixtures.api import audit_events, load
from tests.fixtures.world import World
from tests.visitors.support import ME, SECRET


class TestMe:
    async def test_reads_only_the_visitors_own_contact(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        mine = await client.get(ME, headers=world.a.visitor_headers)
        other = await client.get(ME, headers=world.a.other_visitor_headers)

        assert mine.json() == {
            "name": "Visitor A",
            "email": "visitor@a.example",
            "external_id": None,
            "identity": "anonymous",
        }
        assert other.json()["name"] is None

    async def test_updates_name_and_email_and_nothing_else(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        response = await client.patch(
            ME, json={"email": " Grace@Example.COM "}, headers=world.a.visitor_headers
        )

        assert response.status_code == 200, response.text
        assert response.json()["email"] == "grace@example.com"
        assert response.json()["name"] == "Visitor A"
        contact = await load(runtime, Contact, world.a.contact.id)
        assert contact is not None
        assert contact.email == "grace@example.com"

    @pytest.mark.parametrize(
        ("body", "error"),
        [
            ({"email": "not an email"}, "InvalidContact"),
            ({"name": "x" * 201}, "ValidationError"),
            ({"external_id": "someone-else"}, "ValidationError"),
            ({"attributes": {"plan": "gold"}}, "ValidationError"),
        ],
    )
    async def test_invalid_or_forbidden_changes_are_422_and_change_nothing(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World, body: dict, error: str
    ) -> None:
        response = await client.patch(ME, json=body, headers=world.a.visitor_headers)

        assert response.status_code == 422
        assert response.json()["error"] == error
        contact = await load(runtime, Contact, world.a.contact.id)
        assert contact is not None
        assert (contact.email, contact.external_id, contact.attributes) == (
            "visitor@a.example",
            None,
            {},
        )

    async def test_agents_cannot_use_visitor_routes_nor_visitors_agent_routes(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        agent = await client.get(ME, headers=world.a.member(Role.agent).headers)
        visitor = await client.get("/api/v1/contacts", headers=world.a.visitor_headers)

        assert agent.status_code == visitor.status_code == 403


class TestIdentitySecret:
    @pytest.mark.parametrize("role", [Role.owner, Role.admin])
    async def test_managers_read_it_and_it_is_audited(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World, role: Role
    ) -> None:
        response = await client.get(SECRET, headers=world.a.member(role).headers)

        assert response.status_code == 200
        assert response.json() == {"identity_secret": world.a.workspace.identity_secret}
        [event] = await audit_events(
            runtime, world.a.workspace.id, "workspace.identity_secret_viewed"
        )
        assert world.a.workspace.identity_secret not in str(event.data)

    async def test_rotation_replaces_it_and_is_audited(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        response = await client.post(f"{SECRET}/rotate", headers=world.a.member(Role.admin).headers)

        assert response.status_code == 200
        secret = response.json()["identity_secret"]
        assert len(secret) == 64
        assert secret != world.a.workspace.identity_secret
        workspace = await load(runtime, Workspace, world.a.workspace.id)
        assert workspace is not None
        assert workspace.identity_secret == secret
        assert await audit_events(
            runtime, world.a.workspace.id, "workspace.identity_secret_rotated"
        )
        # The other workspace's secret is its own.
        other = await load(runtime, Workspace, world.b.workspace.id)
        assert other is not None
        assert other.identity_secret == world.b.workspace.identity_secret

    @pytest.mark.parametrize("role", [Role.supervisor, Role.agent])
    async def test_other_roles_and_api_keys_are_refused(
        self, client: httpx.AsyncClient, world: World, role: Role
    ) -> None:
        for headers in (world.a.member(role).headers, world.a.api_key_headers):
            read = await client.get(SECRET, headers=headers)
            rotate = await client.post(f"{SECRET}/rotate", headers=headers)
            assert read.status_code == rotate.status_code == 403
            assert "identity_secret" not in read.text
