"""The page sweep: the dashboard's counterpart of tests/isolation/test_route_sweep.py.

Every route of `helpline.dashboard.routes.PAGE_ROUTERS` is read for its guard (`PageAuth`)
and attacked, as a browser would reach it (cookie session, form posts):
- without a session: sent to the login page (303), nothing changed;
- by members of its own workspace whose role it refuses: 403, nothing changed;
- by members of the other workspace it accepts, with the first workspace's ids in the path
  and the form: 404, the same page as for an id that does not exist, nothing changed;
- every write without its CSRF token (or from another site): 403, nothing changed.
A route with no guard must be listed in PUBLIC_PAGES or STATIC_PAGES with a reason, and every
guarded write must check CSRF (`write=True`), so a new page cannot slip by.
"""

import uuid
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from helpline.auth.tokens import issue_web_token, read_access_token
from helpline.core.runtime import Runtime
from helpline.core.time import utc_now
from helpline.dashboard import cookies
from helpline.dashboard.guards import PageAuth
from helpline.dashboard.routes import PAGE_ROUTERS
from helpline.settings import Settings
from helpline.tenancy.models import Role
from tests.dashboard.support import OURS
from tests.fixtures.world import Member, World
from tests.isolation.test_route_sweep import ID_BUILDERS, snapshot

PUBLIC_PAGES: dict[tuple[str, str], str] = {
    ("GET", "/login"): "the login form",
    ("POST", "/login"): "login; checks the pre-login CSRF token",
    ("GET", "/forgot-password"): "asks for a reset email",
    ("POST", "/forgot-password"): "same answer for every email; pre-login CSRF",
    ("GET", "/reset-password"): "the emailed token is the credential",
    ("POST", "/reset-password"): "the emailed token is the credential; pre-login CSRF",
    ("GET", "/invitations/accept"): "the emailed token is the credential",
    ("POST", "/invitations/accept"): "the emailed token is the credential; pre-login CSRF",
    # The public help centre (helpcentre/routes.py): what a workspace published, to anyone.
    # Cross-workspace leaks and drafts are tested in tests/helpcentre/test_pages.py.
    ("GET", "/help/{workspace_slug}/"): "help centre home: published articles only",
    ("GET", "/help/{workspace_slug}/collections/{collection_slug}"): "a published collection",
    ("GET", "/help/{workspace_slug}/articles/{article_slug}"): "a published article",
    ("GET", "/help/{workspace_slug}/search"): "searches the workspace's published content",
    ("GET", "/help/{workspace_slug}/sitemap.xml"): "the published articles' addresses",
    ("POST", "/help/{workspace_slug}/articles/{article_slug}/feedback"): (
        "anonymous 'Was this helpful?' vote: same-origin form posts only, small, rate-limited"
    ),
}
STATIC_PAGES: dict[tuple[str, str], str] = {
    ("GET", "/app/static/{version}/{name}"): "the dashboard's scripts and styles (files.py)",
}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Path values that are published addresses, not ids to resolve in a tenant (public pages only).
PUBLISHED_SLUGS = {"workspace_slug", "collection_slug", "article_slug"}

ROUTES = [r for router in PAGE_ROUTERS for r in router.routes if isinstance(r, APIRoute)]


def _method(route: APIRoute) -> str:
    return sorted(route.methods)[0]


def _key(route: APIRoute) -> tuple[str, str]:
    return (_method(route), route.path)


def guard_of(route: APIRoute) -> PageAuth | None:
    stack = list(route.dependant.dependencies)
    while stack:
        dependency = stack.pop()
        if isinstance(dependency.call, PageAuth):
            return dependency.call
        stack.extend(dependency.dependencies)
    return None


GUARDED = [(f"{_method(r)} {r.path}", r) for r in ROUTES if guard_of(r) is not None]
GUARDED_IDS = [rid for rid, _ in GUARDED]


def _path_params(route: APIRoute) -> list[str]:
    return [p.name for p in route.dependant.path_params]


def _form_ids(route: APIRoute) -> list[str]:
    return [p.name for p in route.dependant.body_params if p.name in ID_BUILDERS]


def test_every_page_router_is_walked() -> None:
    """A router included into another (FastAPI includes lazily) would hide its pages from
    ROUTES: list each router in PAGE_ROUTERS instead."""
    for router in PAGE_ROUTERS:
        for route in router.routes:
            assert isinstance(route, APIRoute), f"{route!r} in {router!r} is not swept"


def test_every_page_is_classified() -> None:
    for route in ROUTES:
        guard = guard_of(route)
        if guard is None:
            assert _key(route) in PUBLIC_PAGES | STATIC_PAGES, f"unguarded page {_key(route)}"
        elif _method(route) in UNSAFE:
            assert guard.write, f"{_key(route)} writes without checking CSRF (write=True)"
    known = {_key(r) for r in ROUTES}
    assert not (set(PUBLIC_PAGES) | set(STATIC_PAGES)) - known, "stale entries"


def test_every_id_kind_is_known() -> None:
    unknown = {
        name
        for route in ROUTES
        for name in _path_params(route)
        if name not in ID_BUILDERS
        and _key(route) not in STATIC_PAGES
        and not (name in PUBLISHED_SLUGS and _key(route) in PUBLIC_PAGES)
    }
    assert not unknown, f"teach ID_BUILDERS (tests/isolation/test_route_sweep.py): {unknown}"


def _cookie_of(settings: Settings, member: Member) -> str:
    """A dashboard session for the member's existing login session (what logging in through
    the form would give, without the password hashing)."""
    claims = read_access_token(settings, member.access_token)
    return issue_web_token(
        settings,
        user_id=claims.user_id,
        session_id=claims.session_id,
        workspace_id=claims.workspace_id,
        expires_at=utc_now() + settings.refresh_token_ttl,
    )


async def _call(
    client: httpx.AsyncClient,
    settings: Settings,
    route: APIRoute,
    member: Member | None,
    ids: dict[str, uuid.UUID],
    *,
    with_csrf: bool = True,
) -> httpx.Response:
    client.cookies.clear()
    headers = {"Origin": OURS}
    form: dict[str, Any] = {name: str(ids[name]) for name in _form_ids(route) if name in ids}
    if member is not None:
        client.cookies.set(cookies.SESSION_COOKIE, _cookie_of(settings, member))
        if with_csrf:
            claims = read_access_token(settings, member.access_token)
            form[cookies.CSRF_FIELD] = cookies.session_csrf(settings, claims.session_id)
    url = route.path.format(**{name: str(ids[name]) for name in _path_params(route)})
    if _method(route) in UNSAFE:
        return await client.request(_method(route), url, data=form, headers=headers)
    return await client.request(_method(route), url, headers=headers)


def _ids(route: APIRoute, world: World) -> dict[str, uuid.UUID]:
    slots = _path_params(route) + _form_ids(route)
    return {slot: ID_BUILDERS[slot](world.a) for slot in slots}


@pytest.mark.parametrize(("route_id", "route"), GUARDED, ids=GUARDED_IDS)
async def test_without_a_session_people_are_sent_to_login(
    client: httpx.AsyncClient,
    settings: Settings,
    runtime: Runtime,
    world: World,
    route_id: str,
    route: APIRoute,
) -> None:
    before = await snapshot(runtime)
    response = await _call(client, settings, route, None, _ids(route, world))
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith("/login?next=")
    client.cookies.set(cookies.SESSION_COOKIE, "forged")
    forged = await client.request(_method(route), route.path.format(**_ids(route, world)))
    assert forged.status_code == 303
    assert await snapshot(runtime) == before


@pytest.mark.parametrize(("route_id", "route"), GUARDED, ids=GUARDED_IDS)
async def test_wrong_roles_are_refused_without_side_effect(
    client: httpx.AsyncClient,
    settings: Settings,
    runtime: Runtime,
    world: World,
    route_id: str,
    route: APIRoute,
) -> None:
    guard = guard_of(route)
    assert guard is not None
    before = await snapshot(runtime)
    for role in set(Role) - guard.roles:
        response = await _call(client, settings, route, world.a.member(role), _ids(route, world))
        assert response.status_code == 403, (role, response.text)
        assert "not open to your role" in response.text
    assert await snapshot(runtime) == before


@pytest.mark.parametrize(("route_id", "route"), GUARDED, ids=GUARDED_IDS)
async def test_writes_without_csrf_are_refused(
    client: httpx.AsyncClient,
    settings: Settings,
    runtime: Runtime,
    world: World,
    route_id: str,
    route: APIRoute,
) -> None:
    if _method(route) not in UNSAFE:
        return
    guard = guard_of(route)
    assert guard is not None
    role = next(r for r in Role if r in guard.roles)
    before = await snapshot(runtime)
    member = world.a.member(role)
    response = await _call(client, settings, route, member, _ids(route, world), with_csrf=False)
    assert response.status_code == 403, response.text
    client.cookies.set(cookies.SESSION_COOKIE, _cookie_of(settings, member))
    claims = read_access_token(settings, member.access_token)
    elsewhere = await client.request(
        _method(route),
        route.path.format(
            **{n: str(v) for n, v in _ids(route, world).items() if n in _path_params(route)}
        ),
        data={cookies.CSRF_FIELD: cookies.session_csrf(settings, claims.session_id)},
        headers={"Origin": "https://evil.example"},
    )
    assert elsewhere.status_code == 403
    assert await snapshot(runtime) == before


async def test_public_writes_without_csrf_are_refused(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    before = await snapshot(runtime)
    for method, path in PUBLIC_PAGES:
        if method in UNSAFE:
            response = await client.request(method, path, data={}, headers={"Origin": OURS})
            # Refused before anything is read: a missing token, or a missing field.
            assert response.status_code in (403, 422), (path, response.text)
            with_field_only = await client.request(
                method, path, data={cookies.CSRF_FIELD: "guessed"}, headers={"Origin": OURS}
            )
            assert with_field_only.status_code in (403, 422), path
    assert await snapshot(runtime) == before


ID_ROUTES = [(rid, r) for rid, r in GUARDED if _path_params(r) or _form_ids(r)]


@pytest.mark.parametrize(("route_id", "route"), ID_ROUTES, ids=[rid for rid, _ in ID_ROUTES])
async def test_the_other_workspace_gets_404_like_a_missing_id(
    client: httpx.AsyncClient,
    settings: Settings,
    runtime: Runtime,
    world: World,
    route_id: str,
    route: APIRoute,
) -> None:
    guard = guard_of(route)
    assert guard is not None
    victim = _ids(route, world)
    missing = {slot: uuid.uuid4() for slot in victim}
    before = await snapshot(runtime)
    for role in guard.roles:
        attacker = world.b.member(role)
        attack = await _call(client, settings, route, attacker, victim)
        control = await _call(client, settings, route, attacker, missing)
        assert attack.status_code == 404, (role, attack.text)
        assert attack.text == control.text, role
    assert await snapshot(runtime) == before
