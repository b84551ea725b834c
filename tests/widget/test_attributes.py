"""A visitor's own attributes (pre-chat answers, Helpline.setAttributes), and name and email."""

import httpx
import pytest

from helpline.contacts.models import Contact
from helpline.core.runtime import Runtime
from tests.fixtures.api import load
from tests.fixtures.world import World

ATTRIBUTES = "/api/v1/widget/me/attributes"


async def contact_of(runtime: Runtime, world: World) -> Contact:
    contact = await load(runtime, Contact, world.a.contact.id)
    assert contact is not None
    return contact


async def test_a_visitor_sets_merges_and_deletes_attributes(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    before = dict((await contact_of(runtime, world)).attributes)
    first = await client.patch(
        ATTRIBUTES,
        json={"attributes": {"order_number": "A-1042", "seats": 3}},
        headers=world.a.visitor_headers,
    )
    second = await client.patch(
        ATTRIBUTES,
        json={"attributes": {"seats": None, "plan": "pro"}},
        headers=world.a.visitor_headers,
    )

    assert (first.status_code, second.status_code) == (204, 204)
    contact = await contact_of(runtime, world)
    assert contact.attributes == {**before, "order_number": "A-1042", "plan": "pro"}
    other = await load(runtime, Contact, world.b.contact.id)
    assert other is not None
    assert "plan" not in other.attributes


@pytest.mark.parametrize(
    "attributes",
    [
        {"unverified_external_id": "user-1"},
        {"Bad Key": "x"},
        {"nested": {"a": 1}},
        {"long": "x" * 1001},
    ],
)
async def test_invalid_or_reserved_attributes_are_refused(
    client: httpx.AsyncClient, runtime: Runtime, world: World, attributes: dict[str, object]
) -> None:
    before = dict((await contact_of(runtime, world)).attributes)

    response = await client.patch(
        ATTRIBUTES, json={"attributes": attributes}, headers=world.a.visitor_headers
    )

    assert response.status_code == 422, response.text
    assert response.json()["error"] == "InvalidContact"
    assert (await contact_of(runtime, world)).attributes == before


async def test_attributes_need_a_visitor(client: httpx.AsyncClient, world: World) -> None:
    body = {"attributes": {"plan": "pro"}}

    anonymous = await client.patch(ATTRIBUTES, json=body)
    member = await client.patch(ATTRIBUTES, json=body, headers=world.a.api_key_headers)

    assert anonymous.status_code == 401
    assert member.status_code == 403
