"""Identity claims: HMAC-SHA256(external_id, identity secret), enforced or not."""

import httpx
import pytest

from helpline.core.runtime import Runtime
from helpline.tenancy.models import Role
from tests.fixtures.world import World
from tests.visitors.support import (
    ME,
    SHOP,
    allow_origins,
    bearer,
    contact_of,
    sign,
    start,
    started,
)


def claim(world: World, external_id: str, **extra: str) -> dict[str, str]:
    return {
        "external_id": external_id,
        "identity_hash": sign(world.a.workspace.identity_secret, external_id),
        **extra,
    }


@pytest.fixture
async def enforcing(client: httpx.AsyncClient, world: World) -> World:
    await allow_origins(client, world.a, [SHOP], identity_verification=True)
    return world


class TestVerifiedClaims:
    async def test_identifies_the_anonymous_visitor_who_logs_in(
        self, client: httpx.AsyncClient, runtime: Runtime, shop: World
    ) -> None:
        anonymous = await started(client, shop.a)

        identified = await started(
            client,
            shop.a,
            token=anonymous["token"],
            identity=claim(shop, "cust-7", email="Ada@Example.com", name="Ada"),
        )

        assert identified["resumed"] is True
        assert identified["visitor"] == {
            "name": "Ada",
            "email": "ada@example.com",
            "external_id": "cust-7",
            "identity": "verified",
        }
        contact = await contact_of(runtime, anonymous["token"])
        assert contact.external_id == "cust-7"

    async def test_binds_to_the_existing_customer_from_any_browser(
        self, client: httpx.AsyncClient, runtime: Runtime, shop: World
    ) -> None:
        first = await started(client, shop.a, identity=claim(shop, "cust-8"))
        elsewhere = await started(client, shop.a)

        again = await started(
            client, shop.a, token=elsewhere["token"], identity=claim(shop, "cust-8")
        )

        assert again["resumed"] is False
        customer = await contact_of(runtime, first["token"])
        assert (await contact_of(runtime, again["token"])).id == customer.id
        # The anonymous token this browser held is superseded.
        assert (await client.get(ME, headers=bearer(elsewhere["token"]))).status_code == 401

    async def test_another_customer_on_the_same_browser_is_someone_else(
        self, client: httpx.AsyncClient, runtime: Runtime, shop: World
    ) -> None:
        first = await started(client, shop.a, identity=claim(shop, "cust-1"))

        second = await started(client, shop.a, token=first["token"], identity=claim(shop, "cust-2"))

        assert second["visitor"]["external_id"] == "cust-2"
        one = await contact_of(runtime, first["token"])
        two = await contact_of(runtime, second["token"])
        assert (one.external_id, two.external_id) == ("cust-1", "cust-2")

    @pytest.mark.usefixtures("enforcing")
    async def test_the_hash_is_checked_against_the_current_secret(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        rotated = await client.post(
            "/api/v1/workspace/identity-secret/rotate",
            headers=world.a.member(Role.owner).headers,
        )
        assert rotated.status_code == 200
        old = await start(client, world.a, identity=claim(world, "cust-9"))
        new = await start(
            client,
            world.a,
            identity={
                "external_id": "cust-9",
                "identity_hash": sign(rotated.json()["identity_secret"], "cust-9"),
            },
        )
        assert old.status_code == 403
        assert new.status_code == 200


class TestRefusedClaims:
    @pytest.mark.parametrize("enforced", [True, False])
    async def test_a_forged_hash_is_refused(
        self, client: httpx.AsyncClient, world: World, enforced: bool
    ) -> None:
        await allow_origins(client, world.a, [SHOP], identity_verification=enforced)
        forged = {
            "external_id": "cust-7",
            # Signed with another workspace's secret; then a hash that is not even hex.
            "identity_hash": sign(world.b.workspace.identity_secret, "cust-7"),
        }

        response = await start(client, world.a, identity=forged)
        garbled = await start(
            client, world.a, identity={"external_id": "cust-7", "identity_hash": "é" * 64}
        )

        assert response.status_code == garbled.status_code == 403
        assert response.json()["error"] == "IdentityNotVerified"
        assert "HMAC-SHA256" in response.json()["detail"]

    async def test_an_unsigned_claim_is_refused_where_verification_is_enforced(
        self, client: httpx.AsyncClient, enforcing: World
    ) -> None:
        response = await start(client, enforcing.a, identity={"external_id": "cust-7"})
        assert response.status_code == 403
        assert "requires identity verification" in response.json()["detail"]
        # Anonymous visitors are still welcome.
        assert (await start(client, enforcing.a)).status_code == 200


class TestUnverifiedClaims:
    async def test_an_unsigned_claim_is_recorded_as_unverified_and_opens_nothing(
        self, client: httpx.AsyncClient, runtime: Runtime, shop: World
    ) -> None:
        customer = await started(client, shop.a, identity=claim(shop, "cust-5"))

        impostor = await started(
            client, shop.a, identity={"external_id": "cust-5", "name": "Claimed"}
        )

        assert impostor["visitor"] == {
            "name": "Claimed",
            "email": None,
            "external_id": None,
            "identity": "unverified",
        }
        contact = await contact_of(runtime, impostor["token"])
        assert contact.id != (await contact_of(runtime, customer["token"])).id
        assert contact.external_id is None
        assert contact.attributes == {"unverified_external_id": "cust-5"}
