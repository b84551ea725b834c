"""`/api/v1/bot/settings`: every member reads, owners and admins (and keys with
workspace:write) change; the older `bot_*` workspace settings are the same values."""

import httpx
import pytest

from helpline.auth.principals import Scope
from helpline.core.runtime import Runtime
from helpline.tenancy.models import Role, Workspace
from tests.fixtures.api import audit_events, load
from tests.fixtures.world import World

URL = "/api/v1/bot/settings"


class TestRead:
    async def test_defaults_for_every_member(self, client: httpx.AsyncClient, world: World) -> None:
        response = await client.get(URL, headers=world.a.member(Role.agent).headers)

        assert response.status_code == 200
        assert response.json() == {
            "enabled": False,
            "name": "",
            "persona": "",
            "welcome_message": "",
            "fallback_message": "",
            "handoff_message": "Let me connect you with a member of our team.",
            "language": "",
            "escalation_keywords": [],
            "handoff_on_request": True,
            "confidence_threshold": 0.5,
            "unhelpful_limit": 0,
            "negative_sentiment": False,
            "sentiment_threshold": -0.6,
            "allowed_actions": ["hand_off", "capture_email"],
        }

    async def test_anonymous(self, client: httpx.AsyncClient) -> None:
        assert (await client.get(URL)).status_code == 401


class TestUpdate:
    async def test_admin_changes_what_is_sent_and_it_is_audited(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        admin = world.a.member(Role.admin).headers
        body = {
            "enabled": True,
            "name": "  Ava  ",
            "escalation_keywords": ["refund", " cancel   my account ", "REFUND", ""],
            "unhelpful_limit": 2,
            "confidence_threshold": 0.4,
            "allowed_actions": ["capture_email"],
        }

        response = await client.patch(URL, json=body, headers=admin)
        again = await client.get(URL, headers=world.a.member(Role.agent).headers)
        workspace = await client.get("/api/v1/workspace", headers=admin)
        other = await client.get(URL, headers=world.b.member(Role.admin).headers)

        assert response.status_code == 200, response.text
        settings = again.json()
        assert settings == response.json()
        assert (settings["enabled"], settings["name"], settings["unhelpful_limit"]) == (
            True,
            "Ava",
            2,
        )
        assert settings["escalation_keywords"] == ["refund", "cancel my account"]
        assert settings["allowed_actions"] == ["capture_email"]
        # Unsent fields keep their values.
        assert settings["handoff_message"] == "Let me connect you with a member of our team."
        # The older flat settings are the same values.
        stored = workspace.json()["settings"]
        assert (stored["bot_enabled"], stored["bot_confidence_threshold"]) == (True, 0.4)
        assert stored["bot"]["name"] == "Ava"
        assert other.json()["enabled"] is False
        [event] = await audit_events(runtime, world.a.workspace.id, "bot.settings_updated")
        assert event.data == {
            "changed": sorted(
                [
                    "allowed_actions",
                    "confidence_threshold",
                    "enabled",
                    "escalation_keywords",
                    "name",
                    "unhelpful_limit",
                ]
            )
        }

    async def test_the_workspace_patch_and_this_route_agree(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        admin = world.a.member(Role.admin).headers
        patched = await client.patch(
            "/api/v1/workspace",
            json={"settings": {"bot_handoff_message": "A colleague takes over."}},
            headers=admin,
        )
        await client.patch(URL, json={"persona": "Warm and brief."}, headers=admin)

        response = await client.get(URL, headers=admin)

        assert patched.status_code == 200
        assert response.json()["handoff_message"] == "A colleague takes over."
        assert response.json()["persona"] == "Warm and brief."

    @pytest.mark.parametrize(
        ("body", "words"),
        [
            ({"unhelpful_limit": 11}, "less than or equal to 10"),
            ({"unhelpful_limit": -1}, "greater than or equal to 0"),
            ({"escalation_keywords": ["x" * 61]}, "at most 60 characters"),
            ({"escalation_keywords": [f"k{n}" for n in range(51)]}, "at most 50"),
            ({"escalation_keywords": ["?!"]}, "no letter or digit"),
            ({"welcome_message": "w" * 1001}, "at most 1000 characters"),
            ({"handoff_message": ""}, "at least 1 character"),
            ({"allowed_actions": ["create_ticket"]}, "arrives with tickets"),
            ({"allowed_actions": ["fly"]}, "hand_off"),
            ({"sentiment_threshold": 0.5}, "less than or equal to 0"),
            ({"language": "English"}, "is not a language code: write one like en, fr or pt-BR"),
            ({"colour": "red"}, "Extra inputs"),
        ],
    )
    async def test_invalid_values_are_refused_with_the_reason(
        self,
        client: httpx.AsyncClient,
        runtime: Runtime,
        world: World,
        body: dict[str, object],
        words: str,
    ) -> None:
        before = await load(runtime, Workspace, world.a.workspace.id)
        response = await client.patch(URL, json=body, headers=world.a.member(Role.owner).headers)

        assert response.status_code == 422
        assert words in response.text
        after = await load(runtime, Workspace, world.a.workspace.id)
        assert before is not None
        assert after is not None
        assert after.settings == before.settings

    async def test_agents_and_narrow_keys_cannot_change_it(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        agent = await client.patch(
            URL, json={"name": "X"}, headers=world.a.member(Role.agent).headers
        )
        supervisor = await client.patch(
            URL, json={"name": "X"}, headers=world.a.member(Role.supervisor).headers
        )
        key = await client.patch(
            URL, json={"name": "X"}, headers=world.a.api_key_headers_without(Scope.workspace_write)
        )
        full_key = await client.patch(URL, json={"name": "Key"}, headers=world.a.api_key_headers)

        assert (agent.status_code, supervisor.status_code, key.status_code) == (403, 403, 403)
        assert full_key.status_code == 200
        assert full_key.json()["name"] == "Key"
