"""The bot's settings page through its form, as a browser sends it; what it saved is read
back through `GET /api/v1/bot/settings`."""

from typing import Any

import httpx
import pytest

from helpline.core.runtime import Runtime
from helpline.tenancy.models import Role
from tests.dashboard.support import OURS, form_csrf, submit
from tests.dashboard.test_settings_pages import as_member
from tests.fixtures.api import audit_events
from tests.fixtures.world import World

PAGE = "/app/settings/bot"

FORM = {
    "enabled": "on",
    "name": "Ava",
    "persona": "Warm & brief <no HTML>",
    "welcome_message": "Hi, I'm Ava.",
    "fallback_message": "Nobody can take over now.",
    "handoff_message": "A colleague takes over.",
    "language": "fr",
    "escalation_keywords": "refund\r\n  cancel my account \r\n\r\nREFUND\r\n",
    "handoff_on_request": "on",
    "confidence_threshold": "0.4",
    "unhelpful_limit": "2",
    "negative_sentiment": "on",
    "sentiment_threshold": "-0.5",
    "action_capture_email": "on",
}


async def bot_of(client: httpx.AsyncClient, world: World) -> dict[str, Any]:
    answer = await client.get("/api/v1/bot/settings", headers=world.a.member(Role.owner).headers)
    assert answer.status_code == 200, answer.text
    settings: dict[str, Any] = answer.json()
    return settings


class TestPage:
    async def test_shows_the_settings_and_the_rules(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await as_member(client, world, Role.admin)

        page = await client.get(PAGE)

        assert page.status_code == 200
        assert 'aria-current="page" class="current">Bot</a>' in page.text
        assert 'name="escalation_keywords"' in page.text
        assert 'name="action_create_ticket" value="on" disabled' in page.text
        assert "Arrives with tickets." in page.text
        assert 'name="action_hand_off" value="on" checked' in page.text
        assert "A message containing one as whole words" in page.text

    async def test_saves_every_field(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        await as_member(client, world, Role.owner)

        saved = await submit(client, PAGE, FORM)
        page = await client.get(saved.headers["location"])
        bot = await bot_of(client, world)

        assert saved.status_code == 303
        assert saved.headers["location"] == f"{PAGE}?saved=1"
        assert "Your changes are saved." in page.text
        # Escaped like every value: what an admin types never becomes markup.
        assert "Warm &amp; brief &lt;no HTML&gt;</textarea>" in page.text
        assert "refund\ncancel my account</textarea>" in page.text
        assert bot == {
            "enabled": True,
            "name": "Ava",
            "persona": "Warm & brief <no HTML>",
            "welcome_message": "Hi, I'm Ava.",
            "fallback_message": "Nobody can take over now.",
            "handoff_message": "A colleague takes over.",
            "language": "fr",
            "escalation_keywords": ["refund", "cancel my account"],
            "handoff_on_request": True,
            "confidence_threshold": 0.4,
            "unhelpful_limit": 2,
            "negative_sentiment": True,
            "sentiment_threshold": -0.5,
            # Hand-off was not ticked.
            "allowed_actions": ["capture_email"],
        }
        assert len(await audit_events(runtime, world.a.workspace.id, "bot.settings_updated")) == 1

    @pytest.mark.parametrize(
        ("field", "value", "sentence"),
        [
            (
                "unhelpful_limit",
                "11",
                "Unhelpful answers in a row: input should be less than or equal to 10.",
            ),
            ("unhelpful_limit", "two", "Unhelpful answers in a row must be a whole number."),
            (
                "confidence_threshold",
                "2",
                "The confidence threshold: input should be less than or equal to 1.",
            ),
            ("escalation_keywords", "x" * 61, "is too long: at most 60 characters"),
            ("handoff_message", "  ", "The hand-off message is required."),
            ("welcome_message", "w" * 1001, "The welcome message has at most 1000 characters."),
            ("language", "French", "&#39;French&#39; is not a language code"),
        ],
    )
    async def test_a_refused_form_says_why_keeps_what_was_typed_and_changes_nothing(
        self,
        client: httpx.AsyncClient,
        runtime: Runtime,
        world: World,
        field: str,
        value: str,
        sentence: str,
    ) -> None:
        await as_member(client, world, Role.admin)
        before = await bot_of(client, world)

        refused = await submit(client, PAGE, {**FORM, field: value})

        assert refused.status_code == 422
        assert sentence in refused.text
        assert 'value="Ava"' in refused.text
        assert await bot_of(client, world) == before
        assert await audit_events(runtime, world.a.workspace.id, "bot.settings_updated") == []


class TestWhoMay:
    @pytest.mark.parametrize("role", [Role.supervisor, Role.agent])
    async def test_other_roles_neither_see_nor_save(
        self, client: httpx.AsyncClient, world: World, role: Role
    ) -> None:
        await as_member(client, world, role)
        csrf = form_csrf(await client.get("/app/settings/profile"))

        page = await client.get(PAGE)
        posted = await client.post(
            PAGE, data={"csrf_token": csrf, **FORM}, headers={"Origin": OURS}
        )
        profile = await client.get("/app/settings/profile")

        assert (page.status_code, posted.status_code) == (403, 403)
        assert f'href="{PAGE}"' not in profile.text
        assert (await bot_of(client, world))["name"] == ""

    async def test_a_save_changes_only_the_own_workspace(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await as_member(client, world, Role.owner)

        await submit(client, PAGE, FORM)
        other = await client.get("/api/v1/bot/settings", headers=world.b.member(Role.owner).headers)

        assert other.json()["name"] == ""
        assert other.json()["enabled"] is False
