"""The widget's public configuration, the install snippet, and cross-origin access."""

import re

import httpx
import pytest

from helpline.tenancy.models import Role
from tests.fixtures.world import World

SHOP = "https://shop.a.example"


def config_url(world: World) -> str:
    return f"/api/v1/widget/config/{world.a.workspace.public_key}"


async def patch_settings(
    client: httpx.AsyncClient, world: World, **settings: object
) -> httpx.Response:
    return await client.patch(
        "/api/v1/workspace",
        json={"settings": settings},
        headers=world.a.member(Role.owner).headers,
    )


async def test_the_config_has_defaults_and_needs_no_credential(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.get(config_url(world), headers={"Origin": SHOP})

    assert response.status_code == 200, response.text
    assert response.json() == {
        "name": world.a.workspace.name,
        "color": "#2563eb",
        "greeting": "",
        "position": "right",
        "theme": "auto",
        "logo_url": "",
        "locale": "en",
        "prechat": {"enabled": False, "fields": []},
        "hours": {"enabled": False, "open_now": True, "next_open_at": None},
        "offline_message": "",
        # The world's workspaces publish a FAQ entry and an article: the widget searches them.
        "help_centre_url": f"http://127.0.0.1:8000/help/{world.a.workspace.slug}/",
        "bot_name": "",
    }
    assert response.headers["cache-control"] == "public, max-age=60"
    assert response.headers["access-control-allow-origin"] == "*"


async def test_the_config_follows_the_workspace_settings(
    client: httpx.AsyncClient, world: World
) -> None:
    changed = await patch_settings(
        client,
        world,
        widget_name="Acme Help",
        widget_color="#FF5500",
        widget_greeting="Hello! <b>Ask us</b> anything.",
        widget_position="left",
        widget_theme="dark",
        locale="fr",
    )
    assert changed.status_code == 200, changed.text

    config = (await client.get(config_url(world))).json()

    assert config == {
        "name": "Acme Help",
        "color": "#ff5500",
        "greeting": "Hello! <b>Ask us</b> anything.",
        "position": "left",
        "theme": "dark",
        "logo_url": "",
        "locale": "fr",
        "prechat": {"enabled": False, "fields": []},
        "hours": {"enabled": False, "open_now": True, "next_open_at": None},
        "offline_message": "",
        "help_centre_url": f"http://127.0.0.1:8000/help/{world.a.workspace.slug}/",
        "bot_name": "",
    }
    other = (await client.get(f"/api/v1/widget/config/{world.b.workspace.public_key}")).json()
    assert other["name"] == world.b.workspace.name
    assert other["color"] == "#2563eb"


@pytest.mark.parametrize(
    "changes",
    [
        {"widget_color": "red"},
        {"widget_color": "#12345"},
        {"widget_color": "#1234567"},
        {"widget_color": "url(javascript:alert(1))"},
        {"widget_position": "top"},
        {"widget_theme": "neon"},
        {"widget_name": "x" * 61},
        {"widget_greeting": "x" * 281},
        {"widget_prechat": {"fields": [{"key": "Company", "label": "Company"}]}},
        {"widget_prechat": {"fields": [{"key": "unverified_external_id", "label": "Id"}]}},
        {"widget_prechat": {"fields": [{"key": "a", "label": ""}]}},
        {"widget_prechat": {"fields": [{"key": "a", "label": "A", "kind": "phone"}]}},
        {"widget_prechat": {"fields": [{"key": "a", "label": "A"}, {"key": "a", "label": "B"}]}},
        {
            "widget_prechat": {
                "fields": [
                    {"key": "email", "label": "Email", "kind": "email"},
                    {"key": "work_email", "label": "Work email", "kind": "email"},
                ]
            }
        },
        {"widget_prechat": {"fields": [{"key": f"k{i}", "label": "K"} for i in range(11)]}},
    ],
)
async def test_invalid_widget_settings_are_refused(
    client: httpx.AsyncClient, world: World, changes: dict[str, object]
) -> None:
    response = await patch_settings(client, world, **changes)

    assert response.status_code == 422, response.text


class TestLogo:
    async def test_an_https_logo_is_published_in_the_config(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        logo = "https://cdn.acme.example/brand/logo.svg?v=2"
        changed = await patch_settings(client, world, widget_logo_url=f"  {logo} ")
        assert changed.status_code == 200, changed.text
        assert changed.json()["settings"]["widget_logo_url"] == logo
        assert (await client.get(config_url(world))).json()["logo_url"] == logo

        cleared = await patch_settings(client, world, widget_logo_url="")
        assert cleared.status_code == 200, cleared.text
        assert (await client.get(config_url(world))).json()["logo_url"] == ""

    @pytest.mark.parametrize(
        ("address", "reason"),
        [
            ("http://cdn.acme.example/logo.png", "is not an https address"),
            ("javascript:alert(1)", "is not an https address"),
            ("data:image/svg+xml,<svg onload=alert(1)>", "is not an https address"),
            ("//cdn.acme.example/logo.png", "is not an https address"),
            ("https:///logo.png", "is not an https address"),
            ("https://[::1/logo.png", "is not an https address"),
            ("https://cdn.acme.example/a logo.png", "holds spaces or invisible characters"),
            ("https://cdn.acme.example/\u202elogo.png", "holds spaces or invisible characters"),
            ("https://ada:secret@cdn.acme.example/logo.png", "holds a user name or password"),
            ("https://cdn.acme.example/" + "a" * 480, "too long: at most 500 characters"),
        ],
    )
    async def test_anything_but_an_https_address_is_refused_with_a_reason(
        self, client: httpx.AsyncClient, world: World, address: str, reason: str
    ) -> None:
        refused = await patch_settings(client, world, widget_logo_url=address)

        assert refused.status_code == 422, refused.text
        assert reason in refused.json()["detail"]
        assert (await client.get(config_url(world))).json()["logo_url"] == ""


PRECHAT = {
    "enabled": True,
    "fields": [
        {"key": "name", "label": "Your name", "kind": "name", "required": True},
        {"key": "email", "label": "Email", "kind": "email", "required": True},
        {"key": "order_number", "label": "Order number", "kind": "text", "required": False},
    ],
}


async def test_the_config_carries_the_prechat_form_and_business_hours(
    client: httpx.AsyncClient, world: World
) -> None:
    # Closed every day of the week: never open, so the widget shows the offline form.
    changed = await patch_settings(
        client,
        world,
        widget_prechat=PRECHAT,
        business_hours={"enabled": True},
        offline_message="We answer on weekdays.",
    )
    assert changed.status_code == 200, changed.text

    config = (await client.get(config_url(world))).json()

    assert config["prechat"] == PRECHAT
    assert config["hours"] == {"enabled": True, "open_now": False, "next_open_at": None}
    assert config["offline_message"] == "We answer on weekdays."


async def test_the_config_says_when_the_team_next_opens(
    client: httpx.AsyncClient, world: World
) -> None:
    every_day = {
        day: [{"start": "00:00", "end": "00:01"}]
        for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    }
    changed = await patch_settings(
        client, world, business_hours={"enabled": True, **every_day}, timezone="Asia/Tokyo"
    )
    assert changed.status_code == 200, changed.text

    hours = (await client.get(config_url(world))).json()["hours"]

    # Open one minute a day at Tokyo midnight, 15:00 UTC: the next is at most a day away.
    if not hours["open_now"]:
        assert hours["next_open_at"].endswith("T15:00:00Z")


@pytest.mark.parametrize("key", ["hlw_unknown", "x" * 200])
async def test_an_unknown_key_is_404(client: httpx.AsyncClient, world: World, key: str) -> None:
    response = await client.get(f"/api/v1/widget/config/{key}")

    assert response.status_code == 404
    assert response.json()["error"] == "NotFound"


async def test_owners_get_the_exact_snippet(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(
        "/api/v1/workspace/widget-snippet", headers=world.a.member(Role.admin).headers
    )

    assert response.status_code == 200, response.text
    body = response.json()
    key = world.a.workspace.public_key
    assert body["public_key"] == key
    assert body["script_url"] == "http://127.0.0.1:8000/widget/v1/widget.js"
    assert body["snippet"] == (
        '<script type="module" src="http://127.0.0.1:8000/widget/v1/widget.js" '
        f'data-helpline-key="{key}" async></script>'
    )
    src = re.search(r'src="([^"]+)"', body["snippet"])
    assert src is not None
    served = await client.get(src.group(1).removeprefix("http://127.0.0.1:8000"))
    assert served.status_code == 200


async def test_widget_routes_answer_cross_origin_preflights(client: httpx.AsyncClient) -> None:
    response = await client.options(
        "/api/v1/widget/sessions",
        headers={
            "Origin": SHOP,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )

    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "Authorization" in response.headers["access-control-allow-headers"]
    assert "access-control-allow-credentials" not in response.headers


async def test_errors_of_widget_routes_are_readable_cross_origin(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/v1/widget/me", headers={"Origin": SHOP})

    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == "*"
    assert "Retry-After" in response.headers["access-control-expose-headers"]


async def test_other_routes_stay_same_origin(client: httpx.AsyncClient, world: World) -> None:
    preflight = await client.options(
        "/api/v1/workspace",
        headers={"Origin": SHOP, "Access-Control-Request-Method": "PATCH"},
    )
    response = await client.get(
        "/api/v1/workspace", headers={**world.a.member(Role.owner).headers, "Origin": SHOP}
    )

    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in response.headers


async def test_a_workspace_with_nothing_published_offers_no_help_search(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = world.a.member(Role.owner).headers
    for path, draft in (
        (f"/api/v1/knowledge/faqs/{world.a.faq.id}", {"published": False}),
        (f"/api/v1/knowledge/articles/{world.a.article.id}", {"status": "draft"}),
    ):
        unpublished = await client.patch(path, json=draft, headers=headers)
        assert unpublished.status_code == 200, unpublished.text

    config = (await client.get(config_url(world))).json()

    assert config["help_centre_url"] == ""
    # The other workspace's published entry changes nothing here.
    other = (await client.get(f"/api/v1/widget/config/{world.b.workspace.public_key}")).json()
    assert other["help_centre_url"].endswith(f"/help/{world.b.workspace.slug}/")
