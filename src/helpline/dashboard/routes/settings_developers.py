"""API keys and the audit log (owners and admins), through the services of auth/api.py and
audit/api.py. A new key's secret is shown in the answer to the POST that created it, once:
never in a redirect, a URL, or any later page."""

import uuid
from datetime import UTC, datetime
from typing import Annotated, Final
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query, Request, Response

from helpline.audit import service as audit
from helpline.auth import service as auth
from helpline.auth.access import access_api_key
from helpline.auth.principals import Scope
from helpline.auth.schemas import ApiKeyCreate
from helpline.core.deps import SessionDep
from helpline.core.errors import AppError
from helpline.core.pagination import PageParams, decode_cursor
from helpline.dashboard.guards import Manager, ManagerWrite
from helpline.dashboard.pages import PageRoute
from helpline.dashboard.routes.settings_base import (
    Refusal,
    Text,
    current_settings,
    refuse,
    saved,
    settings_page,
    validated,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

API_KEYS: Final = "/app/settings/api-keys"
AUDIT: Final = "/app/settings/audit"
AUDIT_PAGE_SIZE: Final = 50
FIELD_LABELS: Final = {"name": "The key's name", "scopes": "Scopes"}
# Checkbox groups on the page: what a backend may read or change.
SCOPE_GROUPS: Final = (
    ("Workspace", (Scope.workspace_read, Scope.workspace_write)),
    ("Members", (Scope.members_read, Scope.members_write)),
    ("Teams", (Scope.teams_read, Scope.teams_write)),
    ("Contacts", (Scope.contacts_read, Scope.contacts_write)),
    ("Conversations", (Scope.conversations_read, Scope.conversations_write)),
    ("Knowledge base", (Scope.knowledge_read, Scope.knowledge_write)),
    ("Canned responses", (Scope.canned_read, Scope.canned_write)),
    ("Audit log", (Scope.audit_read,)),
)
Scopes = Annotated[list[str], Form(max_length=len(Scope))]
Cursor = Annotated[str | None, Query(max_length=100)]


async def _keys(
    request: Request,
    session: SessionDep,
    viewer: Manager,
    *,
    created: tuple[str, str] | None = None,
    refusal: Refusal | None = None,
) -> Response:
    context = {
        "keys": await auth.list_api_keys(session, viewer.principal),
        "scope_groups": SCOPE_GROUPS,
        # (name, secret) of the key just created: this answer is the only one that has it.
        "created": created,
    }
    return await settings_page(
        request,
        session,
        viewer,
        "settings/api_keys.html",
        context,
        active="api-keys",
        refusal=refusal,
    )


@router.get(API_KEYS)
async def api_keys_page(request: Request, session: SessionDep, viewer: Manager) -> Response:
    return await _keys(request, session, viewer)


@router.post(API_KEYS)
async def create_api_key(
    request: Request,
    session: SessionDep,
    viewer: ManagerWrite,
    name: Text = "",
    scopes: Scopes = [],  # noqa: B006 (FastAPI copies defaults; no list is shared)
) -> Response:
    typed = {"name": name, "scopes": scopes}
    try:
        body = validated(ApiKeyCreate, {"name": name, "scopes": scopes}, FIELD_LABELS)
        api_key, secret = await auth.create_api_key(
            session, viewer.principal, name=body.name, scopes=body.scopes
        )
    except AppError as error:
        refusal = await refuse(session, error, "create", typed)
        return await _keys(request, session, viewer, refusal=refusal)
    return await _keys(request, session, viewer, created=(api_key.name, secret))


@router.get(API_KEYS + "/{api_key_id}/delete")
async def confirm_deletion(
    request: Request, session: SessionDep, viewer: Manager, api_key_id: uuid.UUID
) -> Response:
    api_key = await access_api_key(session, viewer.principal, api_key_id)
    context = {
        "heading": "Delete an API key",
        "question": f"Delete the API key {api_key.name} ({api_key.prefix}…)?",
        "consequence": "Requests made with it fail from now on. This cannot be undone.",
        "action": f"{API_KEYS}/{api_key.id}/delete",
        "button": "Delete API key",
        "back": API_KEYS,
    }
    return await settings_page(
        request, session, viewer, "settings/confirm.html", context, active="api-keys"
    )


@router.post(API_KEYS + "/{api_key_id}/delete")
async def delete_api_key(
    session: SessionDep, viewer: ManagerWrite, api_key_id: uuid.UUID
) -> Response:
    api_key = await access_api_key(session, viewer.principal, api_key_id)
    await auth.delete_api_key(session, viewer.principal, api_key)
    return saved(API_KEYS, "deleted")


@router.get(AUDIT)
async def audit_page(
    request: Request, session: SessionDep, viewer: Manager, cursor: Cursor = None
) -> Response:
    page = PageParams(cursor=decode_cursor(cursor) if cursor else None, limit=AUDIT_PAGE_SIZE)
    events, next_cursor = await audit.list_events(
        session, viewer.principal.workspace_id, page, action=None
    )
    zone = ZoneInfo((await current_settings(session, viewer)).timezone)
    context = {
        "events": [(_local(event.created_at, zone), event) for event in events],
        "next_cursor": next_cursor,
        "paged": cursor is not None,
        "timezone": zone.key,
    }
    return await settings_page(
        request, session, viewer, "settings/audit.html", context, active="audit"
    )


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    """The time in the workspace's zone (times are stored in UTC)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone)
