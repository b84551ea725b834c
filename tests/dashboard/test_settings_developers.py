"""API keys, the audit log and your profile through their settings pages."""

import re
from typing import Any

import httpx

from helpline.tenancy.models import Role
from tests.dashboard.support import OURS, form_csrf, submit
from tests.dashboard.test_settings_pages import as_member
from tests.fixtures.api import PASSWORD, login
from tests.fixtures.world import World

API_KEYS = "/app/settings/api-keys"
AUDIT = "/app/settings/audit"
PROFILE = "/app/settings/profile"
SECRET = re.compile(r"hlk_[A-Za-z0-9_-]{20,}")


async def keys_of(client: httpx.AsyncClient, world: World) -> list[dict[str, Any]]:
    answer = await client.get("/api/v1/api-keys", headers=world.a.member(Role.owner).headers)
    assert answer.status_code == 200, answer.text
    keys: list[dict[str, Any]] = answer.json()
    return keys


class TestApiKeys:
    async def test_the_secret_is_shown_once_right_after_creation(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await as_member(client, world, Role.admin)
        page = await client.get(API_KEYS)
        assert "workspace:read" in page.text
        data = {
            "csrf_token": form_csrf(page),
            "name": "CRM sync",
            "scopes": ["members:read", "conversations:read"],
        }
        created = await client.post(API_KEYS, data=data, headers={"Origin": OURS})
        assert created.status_code == 200
        assert "location" not in created.headers
        [secret] = SECRET.findall(created.text)
        assert "this is the only time it is shown" in created.text
        # The secret works, with the scopes ticked.
        members = await client.get("/api/v1/members", headers={"Authorization": f"Bearer {secret}"})
        assert members.status_code == 200
        [key] = [k for k in await keys_of(client, world) if k["name"] == "CRM sync"]
        assert key["scopes"] == ["conversations:read", "members:read"]
        # And it is never shown again.
        again = await client.get(API_KEYS)
        assert secret not in again.text
        assert key["prefix"] in again.text

    async def test_a_key_without_a_name_or_scope_is_refused(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await as_member(client, world, Role.owner)
        nameless = await submit(client, API_KEYS, {"name": "", "scopes": "audit:read"})
        assert nameless.status_code == 422
        assert "The key&#39;s name is required." in nameless.text
        assert 'value="audit:read" checked' in nameless.text
        scopeless = await submit(client, API_KEYS, {"name": "Nothing"})
        assert scopeless.status_code == 422
        assert "Scopes" in scopeless.text
        assert 'value="Nothing"' in scopeless.text
        assert not SECRET.search(scopeless.text)
        assert len(await keys_of(client, world)) == 3

    async def test_deletes_a_key_after_a_confirmation(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await as_member(client, world, Role.owner)
        key = world.a.api_key
        confirm = await client.get(f"{API_KEYS}/{key.id}/delete")
        assert f"Delete the API key {key.name}" in confirm.text
        deleted = await submit(client, f"{API_KEYS}/{key.id}/delete", {})
        assert deleted.status_code == 303
        assert str(key.id) not in [k["id"] for k in await keys_of(client, world)]
        refused = await client.get("/api/v1/members", headers=world.a.api_key_headers)
        assert refused.status_code == 401
        foreign = await client.get(f"{API_KEYS}/{world.b.api_key.id}/delete")
        assert foreign.status_code == 404


class TestAuditLog:
    async def test_newest_first_with_pages(self, client: httpx.AsyncClient, world: World) -> None:
        await as_member(client, world, Role.owner)
        for n in range(55):
            await submit(client, "/app/settings/labels", {"name": f"label {n}", "color": "blue"})
        first = await client.get(AUDIT)
        assert first.status_code == 200
        assert first.text.count("<tr>") == 1 + 50  # the header row and a page of 50
        assert "workspace.updated" in first.text
        assert "owner@a.example" in first.text
        older = re.search(r'href="(/app/settings/audit\?cursor=[^"]+)"', first.text)
        assert older
        second = await client.get(older.group(1).replace("&amp;", "&"))
        assert second.status_code == 200
        assert "workspace.created" in second.text
        assert "workspace.created" not in first.text


class TestProfile:
    async def test_shows_who_you_are_and_sets_your_availability(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        agent = world.a.member(Role.agent)
        await as_member(client, world, Role.agent)
        page = await client.get(PROFILE)
        assert agent.user.email in page.text
        assert "Agent" in page.text
        saved = await submit(
            client, PROFILE, {"availability": "online"}, action=PROFILE + "/availability"
        )
        assert saved.status_code == 303
        me = await client.get(f"/api/v1/members/{agent.membership.id}", headers=agent.headers)
        assert me.json()["availability"] == "online"
        wrong = await submit(
            client, PROFILE, {"availability": "asleep"}, action=PROFILE + "/availability"
        )
        assert wrong.status_code == 422

    async def test_changing_the_password_keeps_this_browser_logged_in_only(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        agent = world.a.member(Role.agent)
        await as_member(client, world, Role.agent)
        fields = {
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase",
            "confirm_password": "a brand new passphrase",
        }
        changed = await submit(client, PROFILE, fields, action=PROFILE + "/password")
        assert changed.status_code == 303
        assert "helpline_session=" in changed.headers["set-cookie"]
        page = await client.get(changed.headers["location"])
        assert page.status_code == 200
        assert "Your password is changed." in page.text
        # Other sessions ended; the new password works.
        assert (await client.get("/api/v1/me", headers=agent.headers)).status_code == 401
        await login(client, agent.user.email, "a brand new passphrase")

    async def test_a_refused_password_change_says_why_and_changes_nothing(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        agent = world.a.member(Role.agent)
        await as_member(client, world, Role.agent)
        action = PROFILE + "/password"
        wrong = await submit(
            client,
            PROFILE,
            {"current_password": "nope", "new_password": "x" * 12, "confirm_password": "x" * 12},
            action=action,
        )
        assert "The current password is not correct." in wrong.text
        differ = await submit(
            client,
            PROFILE,
            {"current_password": PASSWORD, "new_password": "x" * 12, "confirm_password": "y" * 12},
            action=action,
        )
        assert differ.status_code == 422
        assert "type the same one twice" in differ.text
        short = await submit(
            client,
            PROFILE,
            {"current_password": PASSWORD, "new_password": "short", "confirm_password": "short"},
            action=action,
        )
        assert "at least 10 characters" in short.text
        assert "short" not in re.findall(r'value="([^"]*)"', short.text)
        assert (await client.get("/api/v1/me", headers=agent.headers)).status_code == 200
        assert (await client.get(PROFILE)).status_code == 200
