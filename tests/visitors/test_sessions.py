"""POST /api/v1/widget/sessions: creating, resuming and ending visitor sessions, the Origin
rule and the rate limits."""

import hashlib
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select, update

from helpline.auth.models import VisitorSession
from helpline.contacts.models import Contact
from helpline.core.runtime import Runtime
from helpline.core.time import utc_now
from helpline.settings import Settings
from helpline.tenancy.models import Role
from tests.conftest import make_settings
from tests.fixtures.api import CLIENT_IP, execute, scalars, serve
from tests.fixtures.world import World
from tests.visitors.support import (
    ME,
    SESSIONS,
    SHOP,
    allow_origins,
    bearer,
    contact_of,
    session_of,
    start,
    started,
)

PLATFORM = "/api/v1/platform"


async def count_contacts(runtime: Runtime, world: World) -> int:
    statement = (
        select(func.count())
        .select_from(Contact)
        .where(Contact.workspace_id == world.a.workspace.id)
    )
    [count] = await scalars(runtime, statement)
    return int(count)


class TestStartSession:
    async def test_creates_an_anonymous_visitor_with_a_hashed_random_token(
        self, client: httpx.AsyncClient, runtime: Runtime, shop: World
    ) -> None:
        before = await count_contacts(runtime, shop)
        browser = {
            "language": "en-GB",
            "timezone": "Europe/London",
            "user_agent": "Mozilla/5.0",
            "page_url": "https://shop.a.example/" + "p" * 5000,
            "referrer": "https://search.example/?q=shoes",
        }

        first = await started(client, shop.a, browser=browser)
        second = await started(client, shop.a)

        assert first["token"].startswith("hlv_")
        assert len(first["token"]) > 40
        assert first["token"] != second["token"]
        assert first["resumed"] is False
        assert first["visitor"] == {
            "name": None,
            "email": None,
            "external_id": None,
            "identity": "anonymous",
        }
        assert await count_contacts(runtime, shop) == before + 2
        stored = await session_of(runtime, first["token"])
        assert stored.token_hash == hashlib.sha256(first["token"].encode()).hexdigest()
        assert stored.workspace_id == shop.a.workspace.id
        assert stored.expires_at - utc_now() > timedelta(days=89)
        contact = await contact_of(runtime, first["token"])
        assert contact.browser["language"] == "en-GB"
        assert contact.browser["referrer"] == "https://search.example/?q=shoes"
        # Machine-made reports are trimmed, not refused.
        assert len(contact.browser["page_url"]) == 2048
        me = await client.get(ME, headers=bearer(first["token"]))
        assert me.status_code == 200

    async def test_resumes_with_the_same_token_and_contact(
        self, client: httpx.AsyncClient, runtime: Runtime, shop: World
    ) -> None:
        first = await started(client, shop.a)
        await execute(
            runtime,
            update(VisitorSession)
            .where(VisitorSession.token_hash == hashlib.sha256(first["token"].encode()).hexdigest())
            .values(expires_at=utc_now() + timedelta(days=1)),
        )
        before = await count_contacts(runtime, shop)

        again = await started(
            client, shop.a, token=first["token"], browser={"page_url": "https://shop.a.example/b"}
        )

        assert again["resumed"] is True
        assert again["token"] == first["token"]
        assert await count_contacts(runtime, shop) == before
        stored = await session_of(runtime, first["token"])
        # Resuming slides the expiry forward again.
        assert stored.expires_at - utc_now() > timedelta(days=89)
        contact = await contact_of(runtime, first["token"])
        assert contact.browser == {"page_url": "https://shop.a.example/b"}

    @pytest.mark.parametrize("state", ["revoked", "expired"])
    async def test_an_ended_token_starts_a_new_visitor(
        self, client: httpx.AsyncClient, runtime: Runtime, shop: World, state: str
    ) -> None:
        first = await started(client, shop.a)
        old_contact = await contact_of(runtime, first["token"])
        values = (
            {"revoked_at": utc_now()}
            if state == "revoked"
            else {"expires_at": utc_now() - timedelta(seconds=1)}
        )
        await execute(
            runtime,
            update(VisitorSession)
            .where(VisitorSession.token_hash == hashlib.sha256(first["token"].encode()).hexdigest())
            .values(**values),
        )

        again = await started(client, shop.a, token=first["token"])

        assert again["resumed"] is False
        assert again["token"] != first["token"]
        assert (await contact_of(runtime, again["token"])).id != old_contact.id
        refused = await client.get(ME, headers=bearer(first["token"]))
        assert refused.status_code == 401

    async def test_a_token_of_another_workspace_starts_a_new_visitor(
        self, client: httpx.AsyncClient, runtime: Runtime, shop: World
    ) -> None:
        again = await started(client, shop.a, token=shop.b.visitor_token)

        assert again["resumed"] is False
        contact = await contact_of(runtime, again["token"])
        assert contact.workspace_id == shop.a.workspace.id
        assert contact.id != shop.b.contact.id
        # B's visitor is untouched and still works in B.
        assert (await client.get(ME, headers=shop.b.visitor_headers)).status_code == 200

    async def test_garbage_token_starts_a_new_visitor(
        self, client: httpx.AsyncClient, shop: World
    ) -> None:
        again = await started(client, shop.a, token="hlv_" + "x" * 43)
        assert again["resumed"] is False

    @pytest.mark.usefixtures("shop")
    async def test_an_unknown_widget_key_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            SESSIONS, json={"public_key": "hlw_nope"}, headers={"Origin": SHOP}
        )
        assert response.status_code == 404
        assert "widget key" in response.json()["detail"]


class TestOrigin:
    @pytest.mark.parametrize(
        "origin",
        ["https://shop.a.example", "HTTPS://Shop.A.example:443", "https://shop.a.example/"],
    )
    async def test_a_listed_origin_is_allowed(
        self, client: httpx.AsyncClient, shop: World, origin: str
    ) -> None:
        assert (await start(client, shop.a, origin=origin)).status_code == 200

    @pytest.mark.parametrize(
        "origin",
        [
            "https://evil.example",
            "http://shop.a.example",  # another scheme is another origin
            "https://shop.a.example:8443",
            "https://x.shop.a.example",
            "null",
        ],
    )
    async def test_another_origin_is_refused_and_named(
        self, client: httpx.AsyncClient, runtime: Runtime, shop: World, origin: str
    ) -> None:
        before = await count_contacts(runtime, shop)

        response = await start(client, shop.a, origin=origin)

        assert response.status_code == 403
        assert response.json()["error"] == "OriginNotAllowed"
        assert await count_contacts(runtime, shop) == before
        if origin != "null":
            assert origin in response.json()["detail"]
            assert "widget_origins" in response.json()["detail"]

    async def test_a_missing_origin_is_refused(
        self, client: httpx.AsyncClient, shop: World
    ) -> None:
        response = await start(client, shop.a, origin=None)
        assert response.status_code == 403
        assert "no Origin header" in response.json()["detail"]

    async def test_one_workspace_origins_do_not_open_another(
        self, client: httpx.AsyncClient, shop: World
    ) -> None:
        response = await start(client, shop.b, origin=SHOP)
        assert response.status_code == 403


class TestWidgetOriginsSetting:
    async def test_origins_are_normalised_when_saved(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await allow_origins(
            client,
            world.a,
            ["HTTPS://WWW.Example.com:443/", "http://localhost:8000", "https://www.example.com"],
        )
        workspace = await client.get(
            "/api/v1/workspace", headers=world.a.member(Role.owner).headers
        )
        assert workspace.json()["settings"]["widget_origins"] == [
            "https://www.example.com",
            "http://localhost:8000",
        ]

    @pytest.mark.parametrize(
        ("origin", "says"),
        [
            ("https://www.example.com/shop", "not an origin"),
            ("https://*.example.com", "wildcards are not supported"),
            ("ftp://example.com", "http or https"),
            ("www.example.com", "http or https"),
        ],
    )
    async def test_paths_wildcards_and_other_schemes_are_refused(
        self, client: httpx.AsyncClient, world: World, origin: str, says: str
    ) -> None:
        response = await client.patch(
            "/api/v1/workspace",
            json={"settings": {"widget_origins": [origin]}},
            headers=world.a.member(Role.owner).headers,
        )
        assert response.status_code == 422
        assert says in response.text


class TestEndSession:
    async def test_ending_revokes_the_token_at_once(
        self, client: httpx.AsyncClient, runtime: Runtime, shop: World
    ) -> None:
        token = (await started(client, shop.a))["token"]

        ended = await client.post(f"{SESSIONS}/end", headers=bearer(token))

        assert ended.status_code == 204
        assert (await session_of(runtime, token)).revoked_at is not None
        after = await client.get(ME, headers=bearer(token))
        assert after.status_code == 401
        assert after.json()["error"] == "NotAuthenticated"

    async def test_a_suspended_workspace_refuses_its_visitors(
        self, client: httpx.AsyncClient, shop: World
    ) -> None:
        suspended = await client.patch(
            f"{PLATFORM}/workspaces/{shop.a.workspace.id}",
            json={"status": "suspended"},
            headers=shop.staff_headers,
        )
        assert suspended.status_code == 200, suspended.text

        assert (await client.get(ME, headers=shop.a.visitor_headers)).status_code == 401
        assert (await start(client, shop.a)).status_code == 404


class TestRateLimits:
    async def test_per_ip_limit_answers_429_with_retry_after(
        self, settings: Settings, world: World
    ) -> None:
        limited = make_settings(settings.data_dir, widget_session_limit_per_ip=2)
        async with serve(limited, CLIENT_IP, "198.51.100.20") as (here, there):
            await allow_origins(here, world.a, [SHOP])
            attempts = [(await start(here, world.a)).status_code for _ in range(2)]
            blocked = await start(here, world.a)
            elsewhere = await start(there, world.a)

        assert attempts == [200, 200]
        assert blocked.status_code == 429
        assert blocked.json()["error"] == "RateLimited"
        assert 0 < int(blocked.headers["Retry-After"]) <= 60
        assert elsewhere.status_code == 200

    async def test_per_workspace_limit_covers_every_address(
        self, settings: Settings, world: World
    ) -> None:
        limited = make_settings(settings.data_dir, widget_session_limit_per_workspace=2)
        async with serve(limited, CLIENT_IP, "198.51.100.20") as (here, there):
            await allow_origins(here, world.a, [SHOP])
            await allow_origins(here, world.b, ["https://shop.b.example"])
            attempts = [(await start(here, world.a)).status_code for _ in range(2)]
            blocked = await start(there, world.a)
            other_workspace = await start(there, world.b, origin="https://shop.b.example")

        assert attempts == [200, 200]
        assert blocked.status_code == 429
        assert int(blocked.headers["Retry-After"]) > 0
        assert other_workspace.status_code == 200
