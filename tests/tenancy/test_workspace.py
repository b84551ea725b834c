"""The workspace profile (GET/PATCH /api/v1/workspace), widget discovery by domain, and
suspension by platform staff."""

import httpx
import pytest

from helpline.core.runtime import Runtime
from helpline.tenancy.models import Role, Workspace, WorkspaceStatus
from helpline.tenancy.schemas import WorkspaceSettings
from tests.fixtures.api import load, me_status, refresh
from tests.fixtures.world import World

WORKSPACE = "/api/v1/workspace"
DISCOVER = "/api/v1/widget/discover"


class TestGetWorkspace:
    async def test_any_member_reads_their_workspace(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        response = await client.get(WORKSPACE, headers=world.a.member(Role.agent).headers)

        assert response.status_code == 200
        body = response.json()
        assert body["id"] == str(world.a.workspace.id)
        assert body["name"] == "Workspace A"
        assert body["slug"] == "ws-a"
        assert body["status"] == "active"
        assert body["public_key"] == world.a.workspace.public_key
        assert body["domains"] == ["a.example"]
        # Every setting, at its default (each capability adds its own).
        assert body["settings"] == WorkspaceSettings().model_dump(mode="json")
        assert body["settings"]["timezone"] == "UTC"
        assert body["settings"]["widget_origins"] == []
        assert body["settings"]["auto_assignment"] is True


class TestUpdateWorkspace:
    async def test_renames_and_normalises_domains(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        response = await client.patch(
            WORKSPACE,
            json={
                "name": "Shop Support",
                "domains": ["https://WWW.Shop.Example:443/x", "shop.example.", "www.shop.example"],
            },
            headers=world.a.member(Role.admin).headers,
        )

        assert response.status_code == 200, response.text
        assert response.json()["name"] == "Shop Support"
        assert response.json()["domains"] == ["shop.example", "www.shop.example"]
        workspace = await load(runtime, Workspace, world.a.workspace.id)
        assert workspace is not None
        assert workspace.name == "Shop Support"
        again = await client.get(WORKSPACE, headers=world.a.member(Role.agent).headers)
        assert again.json()["domains"] == ["shop.example", "www.shop.example"]

    async def test_invalid_domain_is_refused_with_a_reason(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        response = await client.patch(
            WORKSPACE,
            json={"name": "Renamed", "domains": ["shop example"]},
            headers=world.a.member(Role.owner).headers,
        )

        assert response.status_code == 422
        assert response.json() == {
            "error": "InvalidDomain",
            "detail": "'shop example' is not a valid website domain, such as example.com.",
        }
        unchanged = await client.get(WORKSPACE, headers=world.a.member(Role.owner).headers)
        assert unchanged.json()["name"] == "Workspace A"
        assert unchanged.json()["domains"] == ["a.example"]

    async def test_domain_of_another_workspace_is_a_conflict(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        response = await client.patch(
            WORKSPACE,
            json={"name": "Renamed", "domains": ["a.example", "https://B.example/"]},
            headers=world.a.member(Role.owner).headers,
        )

        assert response.status_code == 409
        assert (
            response.json()["detail"]
            == "The domain b.example is already used by another workspace."
        )
        # Nothing of the request was applied.
        unchanged = await client.get(WORKSPACE, headers=world.a.member(Role.owner).headers)
        assert unchanged.json()["name"] == "Workspace A"
        assert unchanged.json()["domains"] == ["a.example"]

    async def test_settings_are_validated_and_merged(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        owner = world.a.member(Role.owner)
        await client.patch(WORKSPACE, json={"settings": {"locale": "fr-FR"}}, headers=owner.headers)

        bad = await client.patch(
            WORKSPACE, json={"settings": {"timezone": "Mars/Olympus"}}, headers=owner.headers
        )
        good = await client.patch(
            WORKSPACE, json={"settings": {"timezone": "Europe/Paris"}}, headers=owner.headers
        )

        assert bad.status_code == 422
        assert "'Mars/Olympus' is not a known time zone" in bad.json()["detail"]
        assert bad.json()["fields"][0]["location"] == "body.settings.timezone"
        assert good.status_code == 200
        # A partial settings update keeps the values it does not name.
        settings = good.json()["settings"]
        assert (settings["timezone"], settings["locale"]) == ("Europe/Paris", "fr-FR")
        workspace = await load(runtime, Workspace, world.a.workspace.id)
        assert workspace is not None
        assert (workspace.settings["timezone"], workspace.settings["locale"]) == (
            "Europe/Paris",
            "fr-FR",
        )

    async def test_api_key_with_write_scope_may_update(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        response = await client.patch(
            WORKSPACE, json={"name": "Via API"}, headers=world.a.api_key_headers
        )

        assert response.status_code == 200
        assert response.json()["name"] == "Via API"


class TestDiscover:
    async def test_finds_the_public_key_by_domain(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        exact = await client.get(DISCOVER, params={"domain": "a.example"})
        www = await client.get(DISCOVER, params={"domain": "www.a.example"})
        url = await client.get(DISCOVER, params={"domain": "https://WWW.A.example/pricing"})

        for response in (exact, www, url):
            assert response.status_code == 200, response.text
            assert response.json() == {
                "public_key": world.a.workspace.public_key,
                "workspace_name": "Workspace A",
            }
        other = await client.get(DISCOVER, params={"domain": "b.example"})
        assert other.json()["public_key"] == world.b.workspace.public_key

    @pytest.mark.usefixtures("world")
    async def test_unknown_or_invalid_domain_is_not_found(self, client: httpx.AsyncClient) -> None:
        unknown = await client.get(DISCOVER, params={"domain": "c.example"})
        invalid = await client.get(DISCOVER, params={"domain": "not a domain"})
        subdomain = await client.get(DISCOVER, params={"domain": "shop.a.example"})

        assert unknown.status_code == invalid.status_code == subdomain.status_code == 404
        assert unknown.json() == invalid.json()

    async def test_follows_domain_changes(self, client: httpx.AsyncClient, world: World) -> None:
        await client.patch(
            WORKSPACE,
            json={"domains": ["shop.example"]},
            headers=world.a.member(Role.owner).headers,
        )

        old = await client.get(DISCOVER, params={"domain": "a.example"})
        new = await client.get(DISCOVER, params={"domain": "www.shop.example"})

        assert old.status_code == 404
        assert new.json()["public_key"] == world.a.workspace.public_key


class TestSuspendWorkspace:
    async def test_ends_access_for_members_and_keys(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        owner = world.a.member(Role.owner)

        response = await client.patch(
            f"/api/v1/platform/workspaces/{world.a.workspace.id}",
            json={"status": "suspended"},
            headers=world.staff_headers,
        )

        assert response.status_code == 200
        assert response.json()["status"] == "suspended"
        workspace = await load(runtime, Workspace, world.a.workspace.id)
        assert workspace is not None
        assert workspace.status == WorkspaceStatus.suspended
        for role in Role:
            assert await me_status(client, world.a.member(role).access_token) == 401
        refused = await client.get(WORKSPACE, headers=owner.headers)
        assert refused.json()["detail"] == "This workspace is suspended."
        assert (await refresh(client, owner.refresh_token)).status_code == 401
        key = await client.get(WORKSPACE, headers=world.a.api_key_headers)
        assert key.status_code == 401
        assert key.json()["detail"] == "This workspace is suspended."
        assert (await client.get(DISCOVER, params={"domain": "a.example"})).status_code == 404
        # The other workspace is untouched.
        assert await me_status(client, world.b.member(Role.owner).access_token) == 200
        assert (await client.get(WORKSPACE, headers=world.b.api_key_headers)).status_code == 200
        assert (await client.get(DISCOVER, params={"domain": "b.example"})).status_code == 200

    async def test_reactivation_restores_discovery(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        url = f"/api/v1/platform/workspaces/{world.a.workspace.id}"
        await client.patch(url, json={"status": "suspended"}, headers=world.staff_headers)

        response = await client.patch(url, json={"status": "active"}, headers=world.staff_headers)

        assert response.status_code == 200
        assert (await client.get(DISCOVER, params={"domain": "a.example"})).status_code == 200
