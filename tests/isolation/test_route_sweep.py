"""The route-table sweep (RELIABILITY.md, "How the tests prove it").

Every route of the app is found here, read for the principals it declares, and attacked:
- without credentials, and with a forged one: 401;
- by every principal of its own workspace that the route does not accept: 403, nothing changed;
- by an accepted principal of the other workspace, with the first workspace's ids in the path
  and in the body: 404, byte for byte the answer for an id that does not exist, nothing changed.
  Visitor routes (VisitorAuth) are attacked by the other workspace's visitor and by another
  visitor of the same workspace: a visitor owns only their own contact's data.
A route that declares no principal must be listed in PUBLIC_ROUTES with a reason, and a route
taking an id the sweep cannot build fails until ID_BUILDERS learns it: new routes can't slip by.
Upload routes get a small file as multipart form data instead of a JSON body, and "nothing
changed" covers the stored files as well as the database.
"""

import typing
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import params
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy import select

from helpline.api import ROUTERS
from helpline.app import create_app
from helpline.auth.dependencies import Authenticator, VisitorAuth
from helpline.core.runtime import Runtime
from helpline.dashboard.routes import PAGE_ROUTERS
from helpline.models import Base
from helpline.settings import Settings
from helpline.tenancy.models import Role
from tests.fixtures.world import Tenant, World
from tests.fixtures.world_cache import restored_world

PUBLIC_ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/api/v1/health"): "liveness probe",
    ("GET", "/api/v1/ready"): "readiness probe: dependency states, nothing of any workspace",
    ("GET", "/metrics"): (
        "Prometheus scrape, guarded by address (loopback, trusted proxies) or "
        "HELPLINE_METRICS_TOKEN; process-wide figures, no workspace, id or raw path in labels"
    ),
    ("GET", "/api/v1/widget/discover"): "maps a website domain to its public widget key",
    ("POST", "/api/v1/auth/login"): "login",
    ("POST", "/api/v1/auth/refresh"): "the refresh token is the credential",
    ("POST", "/api/v1/auth/password-reset"): "asks for a reset email; same answer for everyone",
    ("POST", "/api/v1/auth/password-reset/confirm"): "the emailed token is the credential",
    ("POST", "/api/v1/auth/signup"): "self-service sign-up, off unless the server allows it",
    ("POST", "/api/v1/invitations/preview"): "the emailed token is the credential",
    ("POST", "/api/v1/invitations/accept"): "the emailed token is the credential",
    ("POST", "/api/v1/widget/sessions"): (
        "issues visitor tokens: the public widget key and an allowed Origin let it run"
    ),
    ("GET", "/api/v1/widget/config/{public_key}"): (
        "the widget's look (name, colour, greeting), published like the key in the page"
    ),
}
# Routes the app serves outside the API (no OpenAPI entry, not in ROUTERS): public files,
# the same for everyone, nothing of any workspace.
STATIC_ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/widget/v1/{name}"): (
        "the chat widget's entry, and its modules at plain paths (widget/routes.py)"
    ),
    ("GET", "/widget/v1/{version}/{name}"): (
        "the chat widget's modules at their versioned paths (widget/routes.py)"
    ),
}
# Where visitor routes live; every other route refuses visitor tokens.
WIDGET_PREFIX = "/api/v1/widget/"

# How to find, in a tenant, an existing object for each kind of id a route can take.
ID_BUILDERS: dict[str, Callable[[Tenant], uuid.UUID]] = {
    "member_id": lambda t: t.member(Role.agent).membership.id,
    "team_id": lambda t: t.team.id,
    "invitation_id": lambda t: t.invitation.id,
    "api_key_id": lambda t: t.api_key.id,
    "contact_id": lambda t: t.contact.id,
    "conversation_id": lambda t: t.conversation.id,
    "into_conversation_id": lambda t: t.conversation.id,
    "attachment_id": lambda t: t.attachment.id,
    # A list in request bodies: the sweep sends [id].
    "attachment_ids": lambda t: t.attachment.id,
    "faq_id": lambda t: t.faq.id,
    "article_id": lambda t: t.article.id,
    "collection_id": lambda t: t.collection.id,
    "canned_response_id": lambda t: t.canned_response.id,
    "suggestion_id": lambda t: t.suggestion.id,
}
# Routes whose ids are not workspace-scoped: staff address workspaces themselves.
STAFF_ONLY_IDS = {"workspace_id"}
# Path values that are published, not ids to resolve in a tenant (public routes only).
PUBLISHED_KEYS = {"public_key"}

# Columns that legitimately change when an attacker uses its *own* credential.
VOLATILE_COLUMNS = {"last_used_at"}


ROUTES = [route for router in ROUTERS for route in router.routes if isinstance(route, APIRoute)]
PAGE_ROUTES = [route for router in PAGE_ROUTERS for route in router.routes]
ROUTE_IDS = [f"{sorted(r.methods)[0]} {r.path}" for r in ROUTES]


def _method(route: APIRoute) -> str:
    return sorted(route.methods)[0]


def authenticator_of(route: APIRoute) -> Authenticator | None:
    stack = list(route.dependant.dependencies)
    while stack:
        dependency = stack.pop()
        if isinstance(dependency.call, Authenticator):
            return dependency.call
        stack.extend(dependency.dependencies)
    return None


def _body_model(route: APIRoute) -> type[BaseModel] | None:
    hints = typing.get_type_hints(route.endpoint)
    for name, hint in hints.items():
        if name != "return" and isinstance(hint, type) and issubclass(hint, BaseModel):
            return hint
    return None


def example_body(route: APIRoute) -> dict[str, Any] | None:
    model = _body_model(route)
    if model is None:
        return None
    examples = (model.model_config.get("json_schema_extra") or {}).get("examples")  # type: ignore[union-attr]
    assert examples, (
        f"{model.__name__} needs a json_schema_extra example for the sweep and the docs"
    )
    return dict(examples[0])


def _path_params(route: APIRoute) -> list[str]:
    return [p.name for p in route.dependant.path_params]


def _url(route: APIRoute, ids: dict[str, uuid.UUID]) -> str:
    return route.path.format(**{name: str(ids[name]) for name in _path_params(route)})


def _takes_files(route: APIRoute) -> bool:
    return any(isinstance(p.field_info, params.File) for p in route.dependant.body_params)


# What the sweep uploads to multipart routes: an accepted type, well under any size limit.
SMALL_FILE = ("notes.txt", b"Order 1042: two items.\n", "text/plain")


async def _call(
    client: httpx.AsyncClient,
    route: APIRoute,
    headers: dict[str, str],
    ids: dict[str, uuid.UUID],
    body: dict[str, Any] | None,
) -> httpx.Response:
    url = _url(route, ids)
    if _takes_files(route):
        files = {p.alias: SMALL_FILE for p in route.dependant.body_params}
        return await client.request(_method(route), url, headers=headers, files=files)
    return await client.request(_method(route), url, headers=headers, json=body)


async def snapshot(runtime: Runtime) -> dict[str, list[tuple[str, ...]]]:
    tables: dict[str, list[tuple[str, ...]]] = {}
    stored = runtime.settings.data_dir / "attachments"
    tables["<files>"] = sorted((str(f.relative_to(stored)),) for f in stored.rglob("*"))
    async with runtime.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name not in VOLATILE_COLUMNS]
            rows = (await connection.execute(select(*columns))).all()
            tables[table.name] = sorted(tuple(str(v) for v in row) for row in rows)
    return tables


@pytest.fixture
async def world(runtime: Runtime) -> World:
    return await restored_world(runtime)


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        # An included router (FastAPI includes them lazily) holds its routes itself.
        inner = getattr(route, "original_router", None)
        if inner is not None:
            found += _api_routes(inner.routes)
    return found


def test_the_sweep_sees_every_route_the_app_serves() -> None:
    """Routes are found through helpline.api.ROUTERS; one mounted any other way would hide."""
    app = create_app(Settings(_env_file=None))  # type: ignore[call-arg]
    served = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    assert served == {(_method(r), r.path) for r in ROUTES}
    hidden = {(_method(r), r.path) for r in _api_routes(app.routes) if not r.include_in_schema}
    # The dashboard's pages are attacked by tests/dashboard/test_page_sweep.py.
    pages = {(_method(r), r.path) for r in _api_routes(list(PAGE_ROUTES))}
    assert hidden == set(STATIC_ROUTES) | pages, "a route outside the API must be known"


def test_every_route_is_classified() -> None:
    unclassified = [
        rid
        for rid, route in zip(ROUTE_IDS, ROUTES, strict=True)
        if authenticator_of(route) is None and (_method(route), route.path) not in PUBLIC_ROUTES
    ]
    assert not unclassified, f"routes with no principal declared and not public: {unclassified}"
    stale = set(PUBLIC_ROUTES) - {(_method(r), r.path) for r in ROUTES}
    assert not stale, f"PUBLIC_ROUTES lists routes that no longer exist: {stale}"


def _is_visitor_route(route: APIRoute) -> bool:
    return isinstance(authenticator_of(route), VisitorAuth)


def test_visitor_routes_are_the_widget_routes() -> None:
    """Visitor tokens reach /api/v1/widget/ routes only, and those routes take nothing else
    (apart from the public ones), so a widget route cannot quietly accept an agent."""
    misplaced = [
        rid
        for rid, route in zip(ROUTE_IDS, ROUTES, strict=True)
        if authenticator_of(route) is not None
        and _is_visitor_route(route) != route.path.startswith(WIDGET_PREFIX)
    ]
    assert not misplaced, f"visitor routes outside {WIDGET_PREFIX}, or the reverse: {misplaced}"


def test_every_id_kind_is_known() -> None:
    unknown = {
        name
        for route in ROUTES
        for name in _path_params(route)
        if name not in ID_BUILDERS and name not in STAFF_ONLY_IDS | PUBLISHED_KEYS
    }
    assert not unknown, f"teach ID_BUILDERS how to build: {unknown}"
    keyed = [r.path for r in ROUTES if PUBLISHED_KEYS & set(_path_params(r))]
    assert all(authenticator_of(r) is None for r in ROUTES if r.path in keyed), keyed


AUTHENTICATED = [(rid, r) for rid, r in zip(ROUTE_IDS, ROUTES, strict=True) if authenticator_of(r)]


@pytest.mark.parametrize(
    ("route_id", "route"), AUTHENTICATED, ids=[rid for rid, _ in AUTHENTICATED]
)
async def test_anonymous_and_forged_get_401(
    client: httpx.AsyncClient, world: World, route_id: str, route: APIRoute
) -> None:
    ids = {
        name: ID_BUILDERS.get(name, lambda t: t.workspace.id)(world.a)
        for name in _path_params(route)
    }
    forged = {
        "none": {},
        "garbage": {"Authorization": "Bearer not-a-token"},
        "unknown api key": {"Authorization": "Bearer hlk_" + "x" * 43},
        "unknown visitor token": {"Authorization": "Bearer hlv_" + "x" * 43},
        "wrong scheme": {"Authorization": f"Basic {world.a.member(Role.owner).access_token}"},
    }
    for label, headers in forged.items():
        response = await _call(client, route, headers, ids, example_body(route))
        assert response.status_code == 401, (label, response.text)
        assert response.json()["error"] == "NotAuthenticated"


def _refused_principals(world: World, auth: Authenticator) -> dict[str, dict[str, str]]:
    """Credentials of the route's own workspace (A) that the route must refuse."""
    refused = {
        f"member:{role.value}": world.a.member(role).headers
        for role in Role
        if role not in auth.roles
    }
    if auth.scope is None:
        refused["api_key"] = world.a.api_key_headers
    else:
        refused["api_key without scope"] = world.a.api_key_headers_without(auth.scope)
    if not auth.staff:
        refused["staff"] = world.staff_headers
    if not isinstance(auth, VisitorAuth):
        refused["visitor"] = world.a.visitor_headers
    return refused


@pytest.mark.parametrize(
    ("route_id", "route"), AUTHENTICATED, ids=[rid for rid, _ in AUTHENTICATED]
)
async def test_wrong_role_is_refused_without_side_effect(
    client: httpx.AsyncClient, runtime: Runtime, world: World, route_id: str, route: APIRoute
) -> None:
    auth = authenticator_of(route)
    assert auth is not None
    ids = {
        name: ID_BUILDERS.get(name, lambda t: t.workspace.id)(world.a)
        for name in _path_params(route)
    }
    before = await snapshot(runtime)
    for label, headers in _refused_principals(world, auth).items():
        response = await _call(client, route, headers, ids, example_body(route))
        assert response.status_code == 403, (label, response.text)
        assert response.json()["error"] == "PermissionDenied"
    assert await snapshot(runtime) == before


def _attacker_headers(world: World, auth: Authenticator) -> dict[str, dict[str, str]]:
    """Credentials of the other workspace (B) that the route accepts; for visitor routes,
    also a visitor of A who is not the victim contact."""
    if isinstance(auth, VisitorAuth):
        return {
            "visitor of workspace B": world.b.visitor_headers,
            "another visitor of workspace A": world.a.other_visitor_headers,
        }
    attackers = {
        f"member:{role.value}": world.b.member(role).headers for role in Role if role in auth.roles
    }
    if auth.scope is not None:
        attackers["api_key"] = world.b.api_key_headers
    return attackers


def _id_fields(body: dict[str, Any] | None) -> list[str]:
    return [key for key in (body or {}) if key in ID_BUILDERS]


def _id_value(example: object, id_: uuid.UUID) -> str | list[str]:
    """The id as the body field takes it: alone, or as a one-element list."""
    return [str(id_)] if isinstance(example, list) else str(id_)


WORKSPACE_ID_ROUTES = [
    (rid, r)
    for rid, r in AUTHENTICATED
    if (set(_path_params(r)) - STAFF_ONLY_IDS) or _id_fields(example_body(r))
]


@pytest.mark.parametrize(
    ("route_id", "route"), WORKSPACE_ID_ROUTES, ids=[rid for rid, _ in WORKSPACE_ID_ROUTES]
)
async def test_other_workspace_gets_404_like_a_missing_id(
    client: httpx.AsyncClient, runtime: Runtime, world: World, route_id: str, route: APIRoute
) -> None:
    auth = authenticator_of(route)
    assert auth is not None
    body = example_body(route)
    path_slots = _path_params(route)
    slots = path_slots + _id_fields(body)

    async def call_with(headers: dict[str, str], chosen: dict[str, uuid.UUID]) -> httpx.Response:
        ids = {name: chosen[name] for name in path_slots}
        full_body = (
            None
            if body is None
            else {**body, **{k: _id_value(body[k], chosen[k]) for k in _id_fields(body)}}
        )
        return await _call(client, route, headers, ids, full_body)

    victim = {slot: ID_BUILDERS[slot](world.a) for slot in slots}
    own = {slot: ID_BUILDERS[slot](world.b) for slot in slots}
    before = await snapshot(runtime)
    for label, headers in _attacker_headers(world, auth).items():
        # Every id from the victim's workspace, against every id missing ...
        attempts = [(victim, {slot: uuid.uuid4() for slot in slots})]
        # ... and, where a route takes several ids, each one alone from the victim.
        if len(slots) > 1:
            attempts += [
                ({**own, slot: victim[slot]}, {**own, slot: uuid.uuid4()}) for slot in slots
            ]
        for attack_ids, control_ids in attempts:
            attack = await call_with(headers, attack_ids)
            control = await call_with(headers, control_ids)
            assert attack.status_code == 404, (label, attack_ids, attack.text)
            assert attack.json() == control.json(), (label, attack_ids)
    assert await snapshot(runtime) == before
