"""The workspace's own settings through their forms, as a browser sends them: general,
business hours, labels, the widget's appearance and identity verification. What a form
changed is read back through the REST API."""

from typing import Any

import httpx

from helpline.core.runtime import Runtime
from helpline.tenancy.models import Role
from tests.dashboard.support import submit
from tests.dashboard.test_settings_pages import as_member
from tests.fixtures.api import audit_events
from tests.fixtures.world import World

GENERAL = "/app/settings/workspace"
HOURS = "/app/settings/business-hours"
LABELS = "/app/settings/labels"
WIDGET = "/app/settings/widget"
IDENTITY = "/app/settings/identity"


async def workspace_of(client: httpx.AsyncClient, world: World) -> dict[str, Any]:
    answer = await client.get("/api/v1/workspace", headers=world.a.member(Role.owner).headers)
    assert answer.status_code == 200, answer.text
    workspace: dict[str, Any] = answer.json()
    return workspace


GENERAL_FORM = {
    "name": "Acme Support",
    "timezone": "Europe/Paris",
    "locale": "fr",
    "domains": "acme.example\nwww.acme.example\n",
    "widget_origins": "https://www.acme.example\nhttps://shop.acme.example:8443/",
}


class TestGeneral:
    async def test_saves_the_profile_websites_and_routing(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await as_member(client, world, Role.admin)
        saved = await submit(client, GENERAL, GENERAL_FORM)
        assert saved.status_code == 303
        assert saved.headers["location"] == f"{GENERAL}?saved=1"
        page = await client.get(saved.headers["location"])
        assert "Your changes are saved." in page.text
        assert 'value="Acme Support"' in page.text
        workspace = await workspace_of(client, world)
        assert workspace["name"] == "Acme Support"
        assert workspace["domains"] == ["acme.example", "www.acme.example"]
        assert workspace["settings"]["timezone"] == "Europe/Paris"
        assert workspace["settings"]["locale"] == "fr"
        assert workspace["settings"]["widget_origins"] == [
            "https://www.acme.example",
            "https://shop.acme.example:8443",
        ]
        # The checkbox was not sent: automatic assignment is off.
        assert workspace["settings"]["auto_assignment"] is False
        await submit(client, GENERAL, {**GENERAL_FORM, "auto_assignment": "on"})
        assert (await workspace_of(client, world))["settings"]["auto_assignment"] is True

    async def test_a_refused_form_keeps_what_was_typed_and_changes_nothing(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await as_member(client, world, Role.owner)
        typed = {**GENERAL_FORM, "widget_origins": "https://*.acme.example"}
        refused = await submit(client, GENERAL, typed)
        assert refused.status_code == 422
        assert "wildcards are not supported" in refused.text
        assert 'value="Acme Support"' in refused.text
        assert "https://*.acme.example</textarea>" in refused.text
        taken = await submit(client, GENERAL, {**GENERAL_FORM, "domains": "b.example"})
        assert taken.status_code == 409
        assert "The domain b.example is already used by another workspace." in taken.text
        nameless = await submit(client, GENERAL, {**GENERAL_FORM, "name": "  "})
        assert nameless.status_code == 422
        assert "The workspace&#39;s name is required." in nameless.text
        workspace = await workspace_of(client, world)
        assert workspace["name"] == "Workspace A"
        assert workspace["domains"] == ["a.example"]

    async def test_an_empty_form_is_refused_with_a_message(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await as_member(client, world, Role.owner)
        refused = await submit(client, GENERAL, {})
        assert refused.status_code == 422
        assert 'class="alert alert-error"' in refused.text
        assert (await workspace_of(client, world))["name"] == "Workspace A"


def hours_form(**days: list[tuple[str, str]]) -> dict[str, str]:
    form = {"enabled": "on", "offline_message": "Back at nine."}
    for day, intervals in days.items():
        for index, (start, end) in enumerate(intervals):
            form[f"{day}_start_{index}"] = start
            form[f"{day}_end_{index}"] = end
    return form


class TestBusinessHours:
    async def test_saves_intervals_per_day_and_the_offline_message(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await as_member(client, world, Role.owner)
        form = hours_form(
            monday=[("13:30", "18:00"), ("09:00", "12:30")], saturday=[("10:00", "24:00")]
        )
        saved = await submit(client, HOURS, form)
        assert saved.status_code == 303
        settings = (await workspace_of(client, world))["settings"]
        hours = settings["business_hours"]
        assert hours["enabled"] is True
        assert hours["monday"] == [
            {"start": "09:00", "end": "12:30"},
            {"start": "13:30", "end": "18:00"},
        ]
        assert hours["saturday"] == [{"start": "10:00", "end": "24:00"}]
        assert hours["sunday"] == []
        assert settings["offline_message"] == "Back at nine."
        page = await client.get(HOURS)
        assert 'name="monday_start_0" value="09:00"' in page.text
        assert 'name="monday_end_1" value="18:00"' in page.text

    async def test_overlaps_and_half_filled_intervals_are_refused_with_the_values_kept(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await as_member(client, world, Role.owner)
        overlap = await submit(
            client, HOURS, hours_form(tuesday=[("09:00", "12:00"), ("11:00", "14:00")])
        )
        assert overlap.status_code == 422
        assert (
            "Tuesday: the opening hours 09:00\N{EN DASH}12:00 and 11:00\N{EN DASH}14:00 overlap."
            in overlap.text
        )
        assert 'name="tuesday_start_1" value="11:00"' in overlap.text
        assert "Back at nine.</textarea>" in overlap.text
        half = await submit(client, HOURS, {"friday_start_0": "09:00"})
        assert half.status_code == 422
        assert "Friday: give both the opening and the closing time" in half.text
        backwards = await submit(client, HOURS, hours_form(monday=[("18:00", "09:00")]))
        assert "end before they start" in backwards.text
        hours = (await workspace_of(client, world))["settings"]["business_hours"]
        assert hours["enabled"] is False
        assert hours["tuesday"] == []


class TestLabels:
    async def test_add_rename_recolour_and_remove(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await as_member(client, world, Role.admin)
        added = await submit(client, LABELS, {"name": "  VIP  Customer ", "color": "purple"})
        assert added.status_code == 303
        await submit(client, LABELS, {"name": "billing", "color": "green"})
        labels = (await workspace_of(client, world))["settings"]["labels"]
        assert labels == [
            {"name": "vip customer", "color": "purple"},
            {"name": "billing", "color": "green"},
        ]
        page = await client.get(LABELS)
        assert "does not change the conversations that already carry it" in page.text
        renamed = await submit(
            client,
            LABELS,
            {"original": "billing", "name": "invoices", "color": "red"},
            action=LABELS + "/update",
        )
        assert renamed.status_code == 303
        removed = await submit(client, LABELS, {"name": "vip customer"}, action=LABELS + "/delete")
        assert removed.status_code == 303
        labels = (await workspace_of(client, world))["settings"]["labels"]
        assert labels == [{"name": "invoices", "color": "red"}]

    async def test_a_duplicate_or_invalid_name_is_refused(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await as_member(client, world, Role.owner)
        await submit(client, LABELS, {"name": "billing", "color": "green"})
        twice = await submit(client, LABELS, {"name": "Billing", "color": "red"})
        assert twice.status_code == 422
        assert "There are two labels named &#39;billing&#39;: names are unique." in twice.text
        odd = await submit(client, LABELS, {"name": "café!", "color": "red"})
        assert "is not a valid label name" in odd.text
        assert 'value="café!"' in odd.text
        long = await submit(client, LABELS, {"name": "x" * 51, "color": "red"})
        assert "at most 50 characters" in long.text
        colour = await submit(client, LABELS, {"name": "bug", "color": "chartreuse"})
        assert colour.status_code == 422
        assert "The colour must be" in colour.text
        labels = (await workspace_of(client, world))["settings"]["labels"]
        assert labels == [{"name": "billing", "color": "green"}]


class TestWidgetAppearance:
    async def test_saves_the_look_and_shows_the_install_snippet(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await as_member(client, world, Role.owner)
        page = await client.get(WIDGET)
        snippet = await client.get(
            "/api/v1/workspace/widget-snippet", headers=world.a.member(Role.owner).headers
        )
        tag = snippet.json()["snippet"].replace('"', "&#34;")
        assert tag.replace("<", "&lt;").replace(">", "&gt;") in page.text
        assert 'data-copy="install-snippet"' in page.text
        form = {
            "widget_name": "Acme",
            "widget_color": "#0F766E",
            "widget_greeting": "Hello! Ask us anything.",
            "widget_position": "left",
            "widget_theme": "dark",
        }
        assert (await submit(client, WIDGET, form)).status_code == 303
        config = await client.get(f"/api/v1/widget/config/{world.a.workspace.public_key}")
        look = {key: config.json()[key] for key in ("name", "color", "greeting", "position")}
        assert look == {
            "name": "Acme",
            "color": "#0f766e",
            "greeting": "Hello! Ask us anything.",
            "position": "left",
        }
        assert config.json()["theme"] == "dark"

    async def test_a_bad_colour_is_refused_and_the_values_kept(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await as_member(client, world, Role.owner)
        refused = await submit(
            client, WIDGET, {"widget_name": "Acme", "widget_color": "teal", "widget_theme": "dim"}
        )
        assert refused.status_code == 422
        assert "The colour is not valid" in refused.text
        assert 'value="Acme"' in refused.text
        settings = (await workspace_of(client, world))["settings"]
        assert settings["widget_name"] == ""


class TestWidgetLogo:
    async def test_an_https_logo_is_saved_and_the_preview_may_load_it(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await as_member(client, world, Role.admin)
        logo = "https://cdn.acme.example/logo.png"
        saved = await submit(client, WIDGET, {"widget_color": "#0f766e", "widget_logo_url": logo})
        assert saved.status_code == 303
        config = await client.get(f"/api/v1/widget/config/{world.a.workspace.public_key}")
        assert config.json()["logo_url"] == logo
        page = await client.get(WIDGET)
        assert f'name="widget_logo_url" value="{logo}"' in page.text
        # This page only lets images come from any https host: the logo is on the
        # workspace's own; every other page keeps images to Helpline itself.
        assert "img-src 'self' data: blob: https:;" in page.headers["content-security-policy"]
        other = await client.get(GENERAL)
        assert "img-src 'self' data: blob:;" in other.headers["content-security-policy"]

    async def test_a_logo_that_is_not_https_is_refused_and_the_value_kept(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await as_member(client, world, Role.owner)
        typed = "http://cdn.acme.example/logo.png"
        refused = await submit(client, WIDGET, {"widget_name": "Acme", "widget_logo_url": typed})
        assert refused.status_code == 422
        assert (
            "The logo&#39;s address &#39;http://cdn.acme.example/logo.png&#39; is not an https "
            "address" in refused.text
        )
        assert f'value="{typed}"' in refused.text
        assert (await workspace_of(client, world))["settings"]["widget_logo_url"] == ""


class TestIdentityVerification:
    async def test_turns_on_and_off(self, client: httpx.AsyncClient, world: World) -> None:
        await as_member(client, world, Role.owner)
        await submit(client, IDENTITY, {"identity_verification": "on"})
        assert (await workspace_of(client, world))["settings"]["identity_verification"] is True
        await submit(client, IDENTITY, {})
        assert (await workspace_of(client, world))["settings"]["identity_verification"] is False

    async def test_the_secret_shows_on_request_only_and_rotates(
        self, client: httpx.AsyncClient, world: World, runtime: Runtime
    ) -> None:
        await as_member(client, world, Role.admin)
        secret = world.a.workspace.identity_secret
        page = await client.get(IDENTITY)
        assert secret not in page.text
        assert "HMAC-SHA256" in page.text
        shown = await submit(client, IDENTITY, {}, action=IDENTITY + "/reveal")
        assert shown.status_code == 200
        assert secret in shown.text
        assert secret not in (await client.get(IDENTITY)).text
        confirm = await client.get(IDENTITY + "/rotate")
        assert "stop verifying at once" in confirm.text
        rotated = await submit(client, IDENTITY + "/rotate", {})
        assert rotated.status_code == 200
        assert "The secret is rotated." in rotated.text
        assert secret not in rotated.text
        api = await client.get(
            "/api/v1/workspace/identity-secret", headers=world.a.member(Role.owner).headers
        )
        new_secret = api.json()["identity_secret"]
        assert new_secret != secret
        assert new_secret in rotated.text
        audited = {
            action: len(await audit_events(runtime, world.a.workspace.id, action))
            for action in ("workspace.identity_secret_viewed", "workspace.identity_secret_rotated")
        }
        # Viewed on the page, then through the API above; rotated once.
        assert audited == {
            "workspace.identity_secret_viewed": 2,
            "workspace.identity_secret_rotated": 1,
        }
