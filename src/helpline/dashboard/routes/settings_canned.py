"""Canned responses (owners, admins and supervisors): the saved replies agents insert with
/shortcut, through the same access function and services as canned/api.py."""

import uuid
from typing import Annotated, Final

from fastapi import APIRouter, Query, Request, Response

from helpline.canned import service as canned
from helpline.canned.access import access_canned_response
from helpline.canned.models import CannedResponse
from helpline.canned.schemas import CannedResponseCreate, CannedResponseUpdate
from helpline.core.deps import SessionDep
from helpline.core.errors import AppError
from helpline.core.pagination import PageParams, decode_cursor
from helpline.dashboard.guards import Supervisor, SupervisorWrite
from helpline.dashboard.pages import PageRoute
from helpline.dashboard.routes.settings_base import (
    Refusal,
    Text,
    refuse,
    saved,
    settings_page,
    validated,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

CANNED: Final = "/app/settings/canned-responses"
PAGE_SIZE: Final = 50
FIELD_LABELS: Final = {"shortcut": "The shortcut", "title": "The title", "body": "The text"}
Search = Annotated[str | None, Query(max_length=200)]
Cursor = Annotated[str | None, Query(max_length=100)]


async def _list(
    request: Request,
    session: SessionDep,
    viewer: Supervisor,
    *,
    q: str | None = None,
    cursor: str | None = None,
    refusal: Refusal | None = None,
) -> Response:
    page = PageParams(cursor=decode_cursor(cursor) if cursor else None, limit=PAGE_SIZE)
    found, next_cursor = await canned.list_responses(session, viewer.principal, page, q=q)
    context = {"responses": found, "next_cursor": next_cursor, "q": q or "", "paged": bool(cursor)}
    return await settings_page(
        request, session, viewer, "settings/canned.html", context, active="canned", refusal=refusal
    )


@router.get(CANNED)
async def canned_page(
    request: Request,
    session: SessionDep,
    viewer: Supervisor,
    q: Search = None,
    cursor: Cursor = None,
) -> Response:
    return await _list(request, session, viewer, q=q, cursor=cursor)


@router.post(CANNED)
async def create_canned_response(
    request: Request,
    session: SessionDep,
    viewer: SupervisorWrite,
    shortcut: Text = "",
    title: Text = "",
    body: Text = "",
) -> Response:
    typed = {"shortcut": shortcut, "title": title, "body": body}
    try:
        values = validated(CannedResponseCreate, typed, FIELD_LABELS)
        await canned.create_response(
            session, viewer.principal, viewer.principal.workspace_id, **values.model_dump()
        )
    except AppError as error:
        refusal = await refuse(session, error, "create", typed)
        return await _list(request, session, viewer, refusal=refusal)
    return saved(CANNED, "created")


async def _edit(
    request: Request,
    session: SessionDep,
    viewer: Supervisor,
    response: CannedResponse,
    refusal: Refusal | None = None,
) -> Response:
    return await settings_page(
        request,
        session,
        viewer,
        "settings/canned_edit.html",
        {"response": response},
        active="canned",
        refusal=refusal,
    )


@router.get(CANNED + "/{canned_response_id}")
async def edit_page(
    request: Request, session: SessionDep, viewer: Supervisor, canned_response_id: uuid.UUID
) -> Response:
    response = await access_canned_response(session, viewer.principal, canned_response_id)
    return await _edit(request, session, viewer, response)


@router.post(CANNED + "/{canned_response_id}")
async def update_canned_response(
    request: Request,
    session: SessionDep,
    viewer: SupervisorWrite,
    canned_response_id: uuid.UUID,
    shortcut: Text = "",
    title: Text = "",
    body: Text = "",
) -> Response:
    response = await access_canned_response(session, viewer.principal, canned_response_id)
    typed = {"shortcut": shortcut, "title": title, "body": body}
    try:
        values = validated(CannedResponseUpdate, typed, FIELD_LABELS)
        changes = values.model_dump(exclude_unset=True, exclude_none=True)
        await canned.update_response(session, viewer.principal, response, changes=changes)
    except AppError as error:
        refusal = await refuse(session, error, "edit", typed)
        # The rollback expired the response: read it again for the page.
        again = await access_canned_response(session, viewer.principal, canned_response_id)
        return await _edit(request, session, viewer, again, refusal)
    return saved(CANNED)


@router.get(CANNED + "/{canned_response_id}/delete")
async def confirm_deletion(
    request: Request, session: SessionDep, viewer: Supervisor, canned_response_id: uuid.UUID
) -> Response:
    response = await access_canned_response(session, viewer.principal, canned_response_id)
    context = {
        "heading": "Delete a canned response",
        "question": f"Delete the canned response /{response.shortcut} ({response.title})?",
        "consequence": "Agents can no longer insert it. Messages already sent keep their text.",
        "action": f"{CANNED}/{response.id}/delete",
        "button": "Delete",
        "back": CANNED,
    }
    return await settings_page(
        request, session, viewer, "settings/confirm.html", context, active="canned"
    )


@router.post(CANNED + "/{canned_response_id}/delete")
async def delete_canned_response(
    session: SessionDep, viewer: SupervisorWrite, canned_response_id: uuid.UUID
) -> Response:
    response = await access_canned_response(session, viewer.principal, canned_response_id)
    await canned.delete_response(session, viewer.principal, response)
    return saved(CANNED, "deleted")
