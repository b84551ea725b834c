"""The settings pages as each role sees them: who may open which page, the navigation each
person is shown, and the frame around every page."""

import httpx
import pytest

from helpline.tenancy.models import Role
from tests.dashboard.support import OURS, form_csrf, log_in
from tests.fixtures.api import PASSWORD
from tests.fixtures.world import World

MANAGER_PAGES = (
    "/app/settings/workspace",
    "/app/settings/members",
    "/app/settings/business-hours",
    "/app/settings/labels",
    "/app/settings/bot",
    "/app/settings/knowledge",
    "/app/settings/knowledge/articles/new",
    "/app/settings/knowledge/faqs",
    "/app/settings/knowledge/collections",
    "/app/settings/knowledge/suggestions",
    "/app/settings/widget",
    "/app/settings/identity",
    "/app/settings/identity/rotate",
    "/app/settings/api-keys",
    "/app/settings/audit",
)
SUPERVISOR_PAGES = ("/app/settings/teams", "/app/settings/canned-responses")
EVERYONE_PAGES = ("/app/settings/profile",)


async def as_member(client: httpx.AsyncClient, world: World, role: Role) -> None:
    """Log the client in as the member of workspace A with this role."""
    await log_in(client, world.a.member(role).user.email, PASSWORD)


@pytest.mark.parametrize("role", [Role.owner, Role.admin])
async def test_owners_and_admins_open_every_page(
    client: httpx.AsyncClient, world: World, role: Role
) -> None:
    await as_member(client, world, role)
    for path in (*MANAGER_PAGES, *SUPERVISOR_PAGES, *EVERYONE_PAGES):
        page = await client.get(path)
        assert page.status_code == 200, (path, page.text[:500])
        assert "Back to inbox" in page.text
        assert 'href="/app"' in page.text


async def test_supervisors_open_teams_canned_responses_and_their_profile_only(
    client: httpx.AsyncClient, world: World
) -> None:
    await as_member(client, world, Role.supervisor)
    for path in (*SUPERVISOR_PAGES, *EVERYONE_PAGES):
        assert (await client.get(path)).status_code == 200, path
    for path in MANAGER_PAGES:
        refused = await client.get(path)
        assert refused.status_code == 403, path
        assert "This page is not open to your role." in refused.text
    nav = (await client.get("/app/settings/teams")).text
    assert 'href="/app/settings/canned-responses"' in nav
    assert 'href="/app/settings/members"' not in nav
    assert 'href="/app/settings/api-keys"' not in nav


async def test_agents_open_their_profile_and_no_admin_page(
    client: httpx.AsyncClient, world: World
) -> None:
    await as_member(client, world, Role.agent)
    for path in (*MANAGER_PAGES, *SUPERVISOR_PAGES):
        refused = await client.get(path)
        assert refused.status_code == 403, path
        assert "Not allowed" in refused.text
    profile = await client.get("/app/settings/profile")
    assert profile.status_code == 200
    # The navigation offers only what the agent may open.
    assert 'href="/app/settings/profile"' in profile.text
    for path in (*MANAGER_PAGES, *SUPERVISOR_PAGES):
        assert f'href="{path}"' not in profile.text


async def test_agents_cannot_change_admin_settings_by_posting_either(
    client: httpx.AsyncClient, world: World
) -> None:
    await as_member(client, world, Role.agent)
    csrf = form_csrf(await client.get("/app/settings/profile"))
    owner = world.a.member(Role.owner)
    attempts = {
        "/app/settings/workspace": {"name": "Taken over"},
        "/app/settings/teams": {"name": "Agents only"},
        "/app/settings/api-keys": {"name": "mine", "scopes": "workspace:write"},
        f"/app/settings/members/{owner.membership.id}/remove": {},
    }
    for path, fields in attempts.items():
        answer = await client.post(
            path, data={"csrf_token": csrf, **fields}, headers={"Origin": OURS}
        )
        assert answer.status_code == 403, path
    workspace = await client.get("/api/v1/workspace", headers=owner.headers)
    assert workspace.json()["name"] == "Workspace A"
    teams = await client.get("/api/v1/teams", headers=owner.headers)
    assert [team["name"] for team in teams.json()] == ["Billing"]
    members = await client.get("/api/v1/members", headers=owner.headers)
    assert len(members.json()) == len(Role)


@pytest.mark.parametrize(
    ("role", "first"),
    [
        (Role.owner, "/app/settings/workspace"),
        (Role.supervisor, "/app/settings/teams"),
        (Role.agent, "/app/settings/profile"),
    ],
)
async def test_the_settings_index_opens_the_first_page_of_the_role(
    client: httpx.AsyncClient, world: World, role: Role, first: str
) -> None:
    await as_member(client, world, role)
    index = await client.get("/app/settings")
    assert index.status_code == 303
    assert index.headers["location"] == first


async def test_anonymous_visitors_are_sent_to_log_in(client: httpx.AsyncClient) -> None:
    page = await client.get("/app/settings/members")
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/app/settings/members"


async def test_pages_carry_the_strict_headers(client: httpx.AsyncClient, world: World) -> None:
    await as_member(client, world, Role.owner)
    page = await client.get("/app/settings/widget")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert page.headers["cache-control"] == "no-store"
    # No inline script or style anywhere in the settings templates' output.
    for path in (*MANAGER_PAGES, *SUPERVISOR_PAGES, *EVERYONE_PAGES):
        text = (await client.get(path)).text
        assert " style=" not in text, path
        assert "<style" not in text, path
        assert "<script>" not in text, path
