"""Canned responses through their settings pages: list, search, create, edit, delete."""

from typing import Any

import httpx

from helpline.tenancy.models import Role
from tests.dashboard.support import submit
from tests.dashboard.test_settings_pages import as_member
from tests.fixtures.world import World

CANNED = "/app/settings/canned-responses"


async def responses_of(client: httpx.AsyncClient, world: World) -> list[dict[str, Any]]:
    answer = await client.get(
        "/api/v1/canned-responses", headers=world.a.member(Role.owner).headers
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def test_lists_and_searches_the_workspaces_responses(
    client: httpx.AsyncClient, world: World
) -> None:
    await as_member(client, world, Role.supervisor)
    page = await client.get(CANNED)
    assert f"/{world.a.canned_response.shortcut}" in page.text
    assert world.a.canned_response.title in page.text
    nothing = await client.get(CANNED, params={"q": "zzz-nothing"})
    assert "Nothing matches" in nothing.text


async def test_creates_edits_and_deletes_a_response(
    client: httpx.AsyncClient, world: World
) -> None:
    await as_member(client, world, Role.supervisor)
    fields = {"shortcut": "Refund", "title": "Refund policy", "body": "Within 30 days."}
    created = await submit(client, CANNED, fields)
    assert created.status_code == 303
    [refund] = [r for r in await responses_of(client, world) if r["shortcut"] == "refund"]
    assert (refund["title"], refund["body"]) == ("Refund policy", "Within 30 days.")

    edit_url = f"{CANNED}/{refund['id']}"
    edit = await client.get(edit_url)
    assert 'value="Refund policy"' in edit.text
    edited = await submit(
        client, edit_url, {"shortcut": "refunds", "title": "Refunds", "body": "Within 60 days."}
    )
    assert edited.status_code == 303
    [refund] = [r for r in await responses_of(client, world) if r["id"] == refund["id"]]
    assert (refund["shortcut"], refund["body"]) == ("refunds", "Within 60 days.")

    confirm = await client.get(f"{edit_url}/delete")
    assert "Delete the canned response /refunds (Refunds)?" in confirm.text
    deleted = await submit(client, f"{edit_url}/delete", {})
    assert deleted.status_code == 303
    assert refund["id"] not in [r["id"] for r in await responses_of(client, world)]


async def test_refused_forms_keep_what_was_typed(client: httpx.AsyncClient, world: World) -> None:
    await as_member(client, world, Role.owner)
    taken = world.a.canned_response.shortcut
    fields = {"shortcut": taken, "title": "Another", "body": "Typed text stays."}
    refused = await submit(client, CANNED, fields)
    assert refused.status_code == 409
    assert f"The shortcut /{taken} is already used" in refused.text
    assert "Typed text stays.</textarea>" in refused.text
    bad = await submit(client, CANNED, {"shortcut": "no spaces", "title": "T", "body": "B"})
    assert bad.status_code == 422
    assert "is not a valid shortcut" in bad.text
    empty = await submit(client, CANNED, {})
    assert empty.status_code == 422
    assert "The shortcut is required." in empty.text

    edit_url = f"{CANNED}/{world.a.canned_response.id}"
    blank = await submit(client, edit_url, {"shortcut": taken, "title": "", "body": "Kept"})
    assert blank.status_code == 422
    assert "The title is required." in blank.text
    assert "Kept</textarea>" in blank.text
    titles = [r["title"] for r in await responses_of(client, world)]
    assert titles == [world.a.canned_response.title]


async def test_the_other_workspaces_responses_are_not_found(
    client: httpx.AsyncClient, world: World
) -> None:
    await as_member(client, world, Role.owner)
    foreign = world.b.canned_response.id
    missing = await client.get(f"{CANNED}/{foreign}")
    assert missing.status_code == 404
    assert "Canned response not found." in missing.text
    assert (await client.get(f"{CANNED}/{foreign}/delete")).status_code == 404
