"""The workspace, its members, teams and invitations; domain discovery for the widget."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from helpline.auth.dependencies import AnyMember, WorkspaceAuth
from helpline.auth.models import User
from helpline.auth.principals import (
    ALL_ROLES,
    MANAGER_ROLES,
    ApiKeyPrincipal,
    MemberPrincipal,
    Scope,
)
from helpline.auth.schemas import TokenResponse
from helpline.conversations import service as conversations
from helpline.core.deps import RateLimiterDep, SessionDep, SettingsDep
from helpline.core.errors import (
    BadRequest,
    Conflict,
    Gone,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
    responses,
)
from helpline.tenancy import service as tenancy
from helpline.tenancy.access import access_invitation, access_member, access_team
from helpline.tenancy.models import Membership, Role, Team, Workspace
from helpline.tenancy.schemas import (
    AvailabilityUpdate,
    InvitationAccept,
    InvitationCreate,
    InvitationPreview,
    InvitationRead,
    InvitationToken,
    MemberRead,
    MemberUpdate,
    TeamCreate,
    TeamMemberAdd,
    TeamRead,
    TeamUpdate,
    WorkspaceDiscovery,
    WorkspaceRead,
    WorkspaceSettings,
    WorkspaceUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["workspace"])

Principal = MemberPrincipal | ApiKeyPrincipal
WorkspaceReader = Annotated[Principal, Depends(WorkspaceAuth(ALL_ROLES, Scope.workspace_read))]
WorkspaceWriter = Annotated[Principal, Depends(WorkspaceAuth(MANAGER_ROLES, Scope.workspace_write))]
MembersReader = Annotated[Principal, Depends(WorkspaceAuth(ALL_ROLES, Scope.members_read))]
MembersWriter = Annotated[Principal, Depends(WorkspaceAuth(MANAGER_ROLES, Scope.members_write))]
TeamsReader = Annotated[Principal, Depends(WorkspaceAuth(ALL_ROLES, Scope.teams_read))]
# Supervisors lead teams: they manage them too (and see them in the dashboard's settings).
TEAM_WRITER_ROLES = frozenset({Role.owner, Role.admin, Role.supervisor})
TeamsWriter = Annotated[Principal, Depends(WorkspaceAuth(TEAM_WRITER_ROLES, Scope.teams_write))]

NOT_FOUND = responses(NotFound)
WRITE_ERRORS = responses(NotFound, PermissionDenied, Conflict)


async def workspace_read(session: SessionDep, workspace: Workspace) -> WorkspaceRead:
    return WorkspaceRead(
        id=workspace.id,
        created_at=workspace.created_at,
        name=workspace.name,
        slug=workspace.slug,
        status=workspace.status,
        public_key=workspace.public_key,
        domains=await tenancy.list_domains(session, workspace),
        settings=WorkspaceSettings.model_validate(workspace.settings),
    )


def _member_read(membership: Membership, user: User) -> MemberRead:
    return MemberRead(
        id=membership.id,
        user_id=user.id,
        email=user.email,
        name=user.name,
        role=membership.role,
        availability=membership.availability,
        capacity=membership.capacity,
        created_at=membership.created_at,
    )


def _team_read(team: Team, member_ids: list[uuid.UUID]) -> TeamRead:
    return TeamRead(
        id=team.id,
        created_at=team.created_at,
        name=team.name,
        description=team.description,
        member_ids=member_ids,
    )


@router.get("/widget/discover", responses=NOT_FOUND)
async def discover_workspace(
    session: SessionDep, domain: Annotated[str, Query(min_length=1, max_length=253)]
) -> WorkspaceDiscovery:
    """The public widget key of the workspace whose website is `domain` (public)."""
    workspace = await tenancy.discover(session, domain)
    return WorkspaceDiscovery(public_key=workspace.public_key, workspace_name=workspace.name)


@router.get("/workspace")
async def get_workspace(principal: WorkspaceReader, session: SessionDep) -> WorkspaceRead:
    """Your workspace's profile, website domains and settings."""
    workspace = await tenancy.get_workspace(session, principal.workspace_id)
    return await workspace_read(session, workspace)


@router.patch("/workspace", responses=WRITE_ERRORS)
async def update_workspace(
    body: WorkspaceUpdate, principal: WorkspaceWriter, session: SessionDep
) -> WorkspaceRead:
    """Change the workspace's name, website domains or settings (owners and admins)."""
    workspace = await tenancy.get_workspace(session, principal.workspace_id)
    changes = body.model_dump(exclude_unset=True)
    await conversations.update_workspace(session, principal, workspace, changes=changes)
    return await workspace_read(session, workspace)


@router.get("/members")
async def list_members(principal: MembersReader, session: SessionDep) -> list[MemberRead]:
    """Everyone in the workspace, with role, availability and capacity."""
    return [_member_read(m, u) for m, u in await tenancy.list_members(session, principal)]


@router.get("/members/{member_id}", responses=NOT_FOUND)
async def get_member(
    member_id: uuid.UUID, principal: MembersReader, session: SessionDep
) -> MemberRead:
    """One member of the workspace."""
    return _member_read(*await access_member(session, principal, member_id))


@router.patch("/members/{member_id}", responses=WRITE_ERRORS)
async def update_member(
    member_id: uuid.UUID, body: MemberUpdate, principal: MembersWriter, session: SessionDep
) -> MemberRead:
    """Change a member's role or capacity (owners and admins; only owners touch owners)."""
    membership, user = await access_member(session, principal, member_id)
    previous_capacity = membership.capacity
    await tenancy.update_member(
        session, principal, membership, role=body.role, capacity=body.capacity
    )
    if membership.capacity > previous_capacity:
        # Room for more: the queue may have some for them (docs/assignment.md).
        await conversations.drain_backlog(session, principal.workspace_id)
    return _member_read(membership, user)


@router.delete(
    "/members/{member_id}", status_code=status.HTTP_204_NO_CONTENT, responses=WRITE_ERRORS
)
async def remove_member(
    member_id: uuid.UUID, principal: MembersWriter, session: SessionDep
) -> Response:
    """Remove a member; their sessions in this workspace end at once."""
    membership, user = await access_member(session, principal, member_id)
    await tenancy.remove_member(session, principal, membership, user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/me/availability")
async def set_availability(
    body: AvailabilityUpdate, principal: AnyMember, session: SessionDep
) -> MemberRead:
    """Set your own availability: online, busy, away or offline. Coming online takes
    conversations from the queue; going offline hands yours to others (docs/assignment.md)."""
    membership = await tenancy.set_availability(session, principal, body.availability)
    # Called here, not in tenancy's service: tenancy does not import conversations.
    await conversations.availability_changed(session, membership)
    return _member_read(*await access_member(session, principal, principal.membership_id))


@router.get("/teams")
async def list_teams(principal: TeamsReader, session: SessionDep) -> list[TeamRead]:
    """The workspace's teams and their members."""
    return [_team_read(t, ids) for t, ids in await tenancy.list_teams(session, principal)]


@router.post("/teams", status_code=status.HTTP_201_CREATED, responses=WRITE_ERRORS)
async def create_team(body: TeamCreate, principal: TeamsWriter, session: SessionDep) -> TeamRead:
    """Create a team (owners and admins)."""
    team = await tenancy.create_team(
        session, principal, name=body.name, description=body.description
    )
    return _team_read(team, [])


@router.get("/teams/{team_id}", responses=NOT_FOUND)
async def get_team(team_id: uuid.UUID, principal: TeamsReader, session: SessionDep) -> TeamRead:
    """One team and its members."""
    team = await access_team(session, principal, team_id)
    return _team_read(team, await tenancy.team_member_ids(session, team))


@router.patch("/teams/{team_id}", responses=WRITE_ERRORS)
async def update_team(
    team_id: uuid.UUID, body: TeamUpdate, principal: TeamsWriter, session: SessionDep
) -> TeamRead:
    """Rename a team or change its description (owners and admins)."""
    team = await access_team(session, principal, team_id)
    await tenancy.update_team(
        session, principal, team, name=body.name, description=body.description
    )
    return _team_read(team, await tenancy.team_member_ids(session, team))


@router.delete("/teams/{team_id}", status_code=status.HTTP_204_NO_CONTENT, responses=WRITE_ERRORS)
async def delete_team(team_id: uuid.UUID, principal: TeamsWriter, session: SessionDep) -> Response:
    """Delete a team (owners and admins). Its members stay in the workspace."""
    team = await access_team(session, principal, team_id)
    await tenancy.delete_team(session, principal, team)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/teams/{team_id}/members", responses=WRITE_ERRORS)
async def add_team_member(
    team_id: uuid.UUID, body: TeamMemberAdd, principal: TeamsWriter, session: SessionDep
) -> TeamRead:
    """Add a member to a team (owners and admins). Adding a member twice changes nothing."""
    team = await access_team(session, principal, team_id)
    membership, _ = await access_member(session, principal, body.member_id)
    await tenancy.add_team_member(session, principal, team, membership)
    return _team_read(team, await tenancy.team_member_ids(session, team))


@router.delete("/teams/{team_id}/members/{member_id}", responses=WRITE_ERRORS)
async def remove_team_member(
    team_id: uuid.UUID, member_id: uuid.UUID, principal: TeamsWriter, session: SessionDep
) -> TeamRead:
    """Take a member out of a team (owners and admins)."""
    team = await access_team(session, principal, team_id)
    membership, _ = await access_member(session, principal, member_id)
    await tenancy.remove_team_member(session, principal, team, membership)
    return _team_read(team, await tenancy.team_member_ids(session, team))


@router.get("/invitations")
async def list_invitations(principal: MembersWriter, session: SessionDep) -> list[InvitationRead]:
    """Invitations not yet accepted, revoked or expired (owners and admins)."""
    invitations = await tenancy.list_pending(session, principal)
    return [InvitationRead.model_validate(i) for i in invitations]


@router.post("/invitations", status_code=status.HTTP_201_CREATED, responses=WRITE_ERRORS)
async def create_invitation(
    body: InvitationCreate, principal: MembersWriter, session: SessionDep, settings: SettingsDep
) -> InvitationRead:
    """Invite someone by email (owners and admins). The email carries a single-use link."""
    workspace = await tenancy.get_workspace(session, principal.workspace_id)
    invitation = await tenancy.invite(
        session, settings, principal, workspace, email=body.email, role=body.role
    )
    return InvitationRead.model_validate(invitation)


@router.delete(
    "/invitations/{invitation_id}", status_code=status.HTTP_204_NO_CONTENT, responses=WRITE_ERRORS
)
async def revoke_invitation(
    invitation_id: uuid.UUID, principal: MembersWriter, session: SessionDep
) -> Response:
    """Revoke an invitation (owners and admins); its link stops working."""
    invitation = await access_invitation(session, principal, invitation_id)
    await tenancy.revoke(session, principal, invitation)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/invitations/preview", responses=responses(Gone))
async def preview_invitation(body: InvitationToken, session: SessionDep) -> InvitationPreview:
    """What an invitation link is for, before accepting it (public; needs the link's token)."""
    invitation, workspace, user = await tenancy.find_usable(session, body.token)
    return InvitationPreview(
        workspace_name=workspace.name,
        email=invitation.email,
        role=invitation.role,
        expires_at=invitation.expires_at,
        has_account=user is not None,
    )


@router.post(
    "/invitations/accept",
    responses=responses(BadRequest, NotAuthenticated, Conflict, Gone, RateLimited),
)
async def accept_invitation(
    body: InvitationAccept, session: SessionDep, settings: SettingsDep, limiter: RateLimiterDep
) -> TokenResponse:
    """Accept an invitation: create your account (or confirm your password) and log in (public)."""
    pair = await tenancy.accept(
        session, settings, limiter, token=body.token, name=body.name, password=body.password
    )
    return TokenResponse.from_pair(pair)
