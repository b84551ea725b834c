"""Canned responses: saved replies agents insert in the composer, for members and API keys."""

import uuid
from typing import Annotated, Final

from fastapi import APIRouter, Depends, Query, Response, status

from helpline.auth.dependencies import WorkspaceAuth
from helpline.auth.principals import ALL_ROLES, ApiKeyPrincipal, MemberPrincipal, Scope
from helpline.canned import service as canned
from helpline.canned.access import access_canned_response
from helpline.canned.schemas import (
    CannedResponseCreate,
    CannedResponseRead,
    CannedResponseUpdate,
)
from helpline.core.deps import SessionDep
from helpline.core.errors import BadRequest, NotFound, responses
from helpline.core.pagination import PageParamsDep
from helpline.core.schemas import Page
from helpline.tenancy.models import Role

router = APIRouter(prefix="/api/v1/canned-responses", tags=["canned responses"])

Principal = MemberPrincipal | ApiKeyPrincipal
# Every role uses canned responses in the composer. Those who keep the team settings maintain
# them: supervisors too, as on the dashboard's page for them (dashboard/guards.py,
# SUPERVISING_ROLES), so that both ways in allow the same people.
WRITER_ROLES: Final = frozenset({Role.owner, Role.admin, Role.supervisor})
CannedReader = Annotated[Principal, Depends(WorkspaceAuth(ALL_ROLES, Scope.canned_read))]
CannedWriter = Annotated[Principal, Depends(WorkspaceAuth(WRITER_ROLES, Scope.canned_write))]

NOT_FOUND = responses(NotFound)
CREATE_ERRORS = responses(canned.InvalidCannedResponse, canned.ShortcutTaken)
UPDATE_ERRORS = responses(NotFound, canned.InvalidCannedResponse, canned.ShortcutTaken)
MAX_SEARCH_CHARS: Final = 200


@router.get("", responses=responses(BadRequest))
async def list_canned_responses(
    principal: CannedReader,
    session: SessionDep,
    page: PageParamsDep,
    q: Annotated[
        str | None,
        Query(
            max_length=MAX_SEARCH_CHARS,
            description="What follows '/' in the composer: keeps the responses whose shortcut "
            "starts with it or whose title contains it, ignoring case",
        ),
    ] = None,
) -> Page[CannedResponseRead]:
    """The workspace's canned responses by shortcut, a page at a time."""
    found, next_cursor = await canned.list_responses(session, principal, page, q=q)
    return Page(
        items=[CannedResponseRead.model_validate(r) for r in found], next_cursor=next_cursor
    )


@router.post("", status_code=status.HTTP_201_CREATED, responses=CREATE_ERRORS)
async def create_canned_response(
    body: CannedResponseCreate, principal: CannedWriter, session: SessionDep
) -> CannedResponseRead:
    """Add a canned response; agents can insert it at once by typing /shortcut."""
    response = await canned.create_response(
        session, principal, principal.workspace_id, **body.model_dump()
    )
    return CannedResponseRead.model_validate(response)


@router.get("/{canned_response_id}", responses=NOT_FOUND)
async def get_canned_response(
    canned_response_id: uuid.UUID, principal: CannedReader, session: SessionDep
) -> CannedResponseRead:
    """One canned response."""
    response = await access_canned_response(session, principal, canned_response_id)
    return CannedResponseRead.model_validate(response)


@router.patch("/{canned_response_id}", responses=UPDATE_ERRORS)
async def update_canned_response(
    canned_response_id: uuid.UUID,
    body: CannedResponseUpdate,
    principal: CannedWriter,
    session: SessionDep,
) -> CannedResponseRead:
    """Change a canned response: only the fields sent change."""
    response = await access_canned_response(session, principal, canned_response_id)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    updated = await canned.update_response(session, principal, response, changes=changes)
    return CannedResponseRead.model_validate(updated)


@router.delete("/{canned_response_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_canned_response(
    canned_response_id: uuid.UUID, principal: CannedWriter, session: SessionDep
) -> Response:
    """Delete a canned response."""
    response = await access_canned_response(session, principal, canned_response_id)
    await canned.delete_response(session, principal, response)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
