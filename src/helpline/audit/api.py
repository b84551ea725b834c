"""Reading the audit log."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from helpline.audit import service as audit
from helpline.audit.schemas import AuditEventRead
from helpline.auth.dependencies import WorkspaceAuth
from helpline.auth.principals import MANAGER_ROLES, ApiKeyPrincipal, MemberPrincipal, Scope
from helpline.core.deps import SessionDep
from helpline.core.pagination import PageParamsDep
from helpline.core.schemas import Page

router = APIRouter(prefix="/api/v1", tags=["audit"])
AuditReader = Annotated[
    MemberPrincipal | ApiKeyPrincipal, Depends(WorkspaceAuth(MANAGER_ROLES, Scope.audit_read))
]


@router.get("/audit-events")
async def list_audit_events(
    principal: AuditReader,
    session: SessionDep,
    page: PageParamsDep,
    action: Annotated[str | None, Query(max_length=64, description="e.g. member.removed")] = None,
) -> Page[AuditEventRead]:
    """Administrative actions in the workspace, newest first (owners and admins)."""
    events, next_cursor = await audit.list_events(
        session, principal.workspace_id, page, action=action
    )
    return Page(items=[AuditEventRead.model_validate(e) for e in events], next_cursor=next_cursor)
