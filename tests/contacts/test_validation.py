"""The rules of each contact field, as REST callers meet them (update applies the same
code; tests/contacts/test_api.py checks that it does)."""

import httpx
import pytest

from helpline.contacts.models import Contact
from helpline.core.runtime import Runtime
from helpline.tenancy.models import Role
from tests.contacts.conftest import CONTACTS, contact_ids, create
from tests.fixtures.api import load
from tests.fixtures.world import World


class TestFieldRules:
    @pytest.mark.parametrize(
        ("email", "reason"),
        [
            ("grace", "An email address must have an @-sign."),
            ("grace@example", "The part after the @-sign is not valid. It should have a period."),
            ("grace hopper@example.com", "contains invalid characters before the @-sign"),
            ("grace@@example.com", "The part after the @-sign contains invalid characters"),
        ],
    )
    async def test_refuses_an_invalid_email(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World, email: str, reason: str
    ) -> None:
        before = await contact_ids(runtime, world.a.workspace.id)
        response = await client.post(
            CONTACTS, json={"email": email}, headers=world.a.member(Role.agent).headers
        )

        assert response.status_code == 422
        assert response.json()["error"] == "InvalidContact"
        assert response.json()["detail"].startswith(f"The email address {email!r} is not valid.")
        assert reason in response.json()["detail"]
        assert await contact_ids(runtime, world.a.workspace.id) == before

    @pytest.mark.parametrize(
        ("phone", "stored"),
        [
            ("+44 20 7946 0000", "+442079460000"),
            ("+1 (555) 010-0199", "+15550100199"),
            ("+33.6.12.34.56.78", "+33612345678"),
            ("+123456", "+123456"),
            ("+123456789012345", "+123456789012345"),
        ],
    )
    async def test_normalises_phone_numbers(
        self, client: httpx.AsyncClient, world: World, phone: str, stored: str
    ) -> None:
        created = await create(client, world.a.member(Role.agent).headers, phone=phone)

        assert created["phone"] == stored

    @pytest.mark.parametrize(
        "phone",
        [
            "020 7946 0000",  # no country code
            "+12345",  # too short
            "+1234567890123456",  # too long
            "+44 20 7946 000x",
            "+44 ٢٠ 7946 0000",  # Arabic-Indic digits
            "++442079460000",
        ],
    )
    async def test_refuses_an_invalid_phone(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World, phone: str
    ) -> None:
        before = await contact_ids(runtime, world.a.workspace.id)
        response = await client.post(
            CONTACTS, json={"phone": phone}, headers=world.a.member(Role.agent).headers
        )

        assert response.status_code == 422
        assert response.json() == {
            "error": "InvalidContact",
            "detail": f"The phone number {phone!r} is not valid. Give it in international "
            "format: + and the country code, 6 to 15 digits in all, such as +44 20 7946 0000.",
        }
        assert await contact_ids(runtime, world.a.workspace.id) == before

    @pytest.mark.parametrize(
        "key", ["Plan", "1plan", "_plan", "plan-type", "plan type", "", "p" * 51, "é"]
    )
    async def test_refuses_an_invalid_attribute_name(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World, key: str
    ) -> None:
        before = await contact_ids(runtime, world.a.workspace.id)
        response = await client.post(
            CONTACTS, json={"attributes": {key: "x"}}, headers=world.a.member(Role.agent).headers
        )

        assert response.status_code == 422
        assert response.json() == {
            "error": "InvalidContact",
            "detail": f"The attribute name {key!r} is not valid: use 1 to 50 lower-case "
            "letters, digits and underscores, starting with a letter (such as plan or "
            "signed_up_at).",
        }
        assert await contact_ids(runtime, world.a.workspace.id) == before

    @pytest.mark.parametrize(
        ("value", "detail"),
        [
            (
                ["a", "b"],
                "The attribute 'x' must be a string, a number, true or false (or null to "
                "delete it), not a list.",
            ),
            (
                {"nested": 1},
                "The attribute 'x' must be a string, a number, true or false (or null to "
                "delete it), not an object.",
            ),
            (
                "y" * 1001,
                "The attribute 'x' is too long: text values can be at most 1,000 characters.",
            ),
            (
                2**53,
                "The attribute 'x' is too large a number: integers must be between "
                "-9007199254740991 and 9007199254740991. Send larger ones as strings.",
            ),
        ],
    )
    async def test_refuses_an_invalid_attribute_value(
        self,
        client: httpx.AsyncClient,
        runtime: Runtime,
        world: World,
        value: object,
        detail: str,
    ) -> None:
        before = await contact_ids(runtime, world.a.workspace.id)
        response = await client.post(
            CONTACTS, json={"attributes": {"x": value}}, headers=world.a.member(Role.agent).headers
        )

        assert response.status_code == 422
        assert response.json() == {"error": "InvalidContact", "detail": detail}
        assert await contact_ids(runtime, world.a.workspace.id) == before

    async def test_attribute_values_at_the_limits_are_kept(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        limits = {"text": "y" * 1000, "big": 2**53 - 1, "small": -(2**53 - 1), "p" * 50: True}

        created = await create(client, world.a.member(Role.agent).headers, attributes=limits)

        assert created["attributes"] == limits

    async def test_at_most_fifty_attributes(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agent = world.a.member(Role.agent).headers
        fifty = {f"a{n}": n for n in range(50)}

        too_many = await client.post(
            CONTACTS, json={"attributes": {**fifty, "a50": 50}}, headers=agent
        )
        enough = await client.post(CONTACTS, json={"attributes": fifty}, headers=agent)

        assert too_many.status_code == 422
        assert too_many.json() == {
            "error": "InvalidContact",
            "detail": "A contact can have at most 50 attributes; this would give it 51.",
        }
        assert enough.status_code == 201
        contact = await load(runtime, Contact, enough.json()["id"])
        assert contact is not None
        assert contact.attributes == fifty

    async def test_refuses_malformed_payloads(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        before = await contact_ids(runtime, world.a.workspace.id)
        agent = world.a.member(Role.agent).headers

        long_name = await client.post(CONTACTS, json={"name": "n" * 201}, headers=agent)
        unknown = await client.post(CONTACTS, json={"company": "Acme"}, headers=agent)
        not_an_object = await client.post(CONTACTS, json={"attributes": ["plan"]}, headers=agent)

        assert long_name.status_code == unknown.status_code == not_an_object.status_code == 422
        assert long_name.json()["fields"][0]["location"] == "body.name"
        assert unknown.json()["fields"][0]["location"] == "body.company"
        assert not_an_object.json()["fields"][0]["location"] == "body.attributes"
        assert await contact_ids(runtime, world.a.workspace.id) == before
