"""Hostile text saved through the settings forms comes back as text: escaped in every page
that shows it, never markup (RELIABILITY.md, Isolation 9)."""

import httpx
import pytest

from helpline.tenancy.models import Role
from tests.dashboard.support import submit
from tests.dashboard.test_settings_pages import as_member
from tests.fixtures.world import World

PAYLOADS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']
ESCAPED = {
    PAYLOADS[0]: "&lt;script&gt;alert(1)&lt;/script&gt;",
    PAYLOADS[1]: "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;",
}


def assert_inert(page: httpx.Response, payload: str) -> None:
    assert payload not in page.text
    assert ESCAPED[payload] in page.text
    assert "<img src=x" not in page.text


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_a_team_name_comes_back_escaped(
    client: httpx.AsyncClient, world: World, payload: str
) -> None:
    await as_member(client, world, Role.owner)
    assert (await submit(client, "/app/settings/teams", {"name": payload})).status_code == 303
    assert_inert(await client.get("/app/settings/teams"), payload)
    # The audit log names it too.
    assert_inert(await client.get("/app/settings/audit"), payload)


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_a_canned_response_title_comes_back_escaped(
    client: httpx.AsyncClient, world: World, payload: str
) -> None:
    await as_member(client, world, Role.supervisor)
    fields = {"shortcut": "hostile", "title": payload, "body": payload}
    assert (await submit(client, "/app/settings/canned-responses", fields)).status_code == 303
    listed = await client.get("/app/settings/canned-responses")
    assert_inert(listed, payload)
    found = await client.get("/api/v1/canned-responses", headers=world.a.member(Role.owner).headers)
    [hostile] = [r for r in found.json()["items"] if r["shortcut"] == "hostile"]
    edit = await client.get(f"/app/settings/canned-responses/{hostile['id']}")
    assert_inert(edit, payload)
    assert_inert(
        await client.get(f"/app/settings/canned-responses/{hostile['id']}/delete"), payload
    )


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_a_workspace_name_comes_back_escaped_on_every_page(
    client: httpx.AsyncClient, world: World, payload: str
) -> None:
    await as_member(client, world, Role.owner)
    fields = {"name": payload, "timezone": "UTC", "locale": "en", "domains": "a.example"}
    assert (await submit(client, "/app/settings/workspace", fields)).status_code == 303
    for path in ("/app/settings/workspace", "/app/settings/widget", "/app/settings/profile"):
        assert_inert(await client.get(path), payload)
    # A refused form shows what was typed, escaped as well.
    refused = await submit(client, "/app/settings/workspace", {**fields, "timezone": payload})
    assert refused.status_code == 422
    assert payload not in refused.text
