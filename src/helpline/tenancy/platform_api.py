"""The platform API: staff provision and suspend workspaces. Staff never read a workspace's
data through it; they act on the workspace as an installation-level object."""

import uuid
from typing import Annotated

from fastapi import APIRouter, status
from pydantic import ConfigDict, EmailStr, Field

from helpline.auth.dependencies import Staff
from helpline.core.deps import SessionDep, SettingsDep
from helpline.core.errors import Conflict, NotFound, responses
from helpline.core.pagination import PageParamsDep
from helpline.core.schemas import InputSchema, Page, Schema
from helpline.tenancy import service as tenancy
from helpline.tenancy.api import workspace_read
from helpline.tenancy.models import WorkspaceStatus
from helpline.tenancy.schemas import Slug, WorkspaceRead

router = APIRouter(prefix="/api/v1/platform", tags=["platform"])


class PlatformWorkspaceCreate(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"name": "Acme", "domains": ["acme.example"], "owner_email": "owner@acme.example"}
            ]
        }
    )

    name: Annotated[str, Field(min_length=1, max_length=120)]
    slug: Slug | None = None
    domains: list[str] = Field(default_factory=list, max_length=50)
    owner_email: EmailStr


class PlatformWorkspaceUpdate(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "suspended"}]})

    status: WorkspaceStatus


class ProvisionedRead(Schema):
    workspace: WorkspaceRead
    # Set when the owner already had an account (made owner at once) ...
    owner_member_id: uuid.UUID | None
    # ... or when they were invited by email.
    owner_invitation_id: uuid.UUID | None


@router.get("/workspaces")
async def list_workspaces(
    _staff: Staff, session: SessionDep, page: PageParamsDep
) -> Page[WorkspaceRead]:
    """Every workspace on this installation (staff)."""
    workspaces, next_cursor = await tenancy.list_workspaces(session, page)
    return Page(
        items=[await workspace_read(session, w) for w in workspaces], next_cursor=next_cursor
    )


@router.post("/workspaces", status_code=status.HTTP_201_CREATED, responses=responses(Conflict))
async def create_workspace(
    body: PlatformWorkspaceCreate, principal: Staff, session: SessionDep, settings: SettingsDep
) -> ProvisionedRead:
    """Create a workspace and its owner (staff): an existing account becomes owner at once,
    a new email receives an owner invitation."""
    result = await tenancy.provision_workspace(
        session,
        settings,
        principal,
        name=body.name,
        slug=body.slug,
        domains=body.domains,
        owner_email=body.owner_email,
    )
    return ProvisionedRead(
        workspace=await workspace_read(session, result.workspace),
        owner_member_id=result.owner_membership.id if result.owner_membership else None,
        owner_invitation_id=result.owner_invitation.id if result.owner_invitation else None,
    )


@router.get("/workspaces/{workspace_id}", responses=responses(NotFound))
async def get_workspace(
    workspace_id: uuid.UUID, _staff: Staff, session: SessionDep
) -> WorkspaceRead:
    """One workspace (staff)."""
    return await workspace_read(session, await tenancy.get_workspace(session, workspace_id))


@router.patch("/workspaces/{workspace_id}", responses=responses(NotFound))
async def update_workspace(
    workspace_id: uuid.UUID, body: PlatformWorkspaceUpdate, principal: Staff, session: SessionDep
) -> WorkspaceRead:
    """Suspend or reactivate a workspace (staff). Suspension ends access for its members
    and API keys at their next request."""
    workspace = await tenancy.get_workspace(session, workspace_id)
    await tenancy.set_status(session, principal, workspace, body.status)
    return await workspace_read(session, workspace)
