"""Members and invitations (owners and admins): the same access functions and services as
tenancy/api.py's `/members` and `/invitations` routes."""

import uuid
from typing import Final

from fastapi import APIRouter, Request, Response

from helpline.conversations import service as conversations
from helpline.core.deps import SessionDep, SettingsDep
from helpline.core.errors import AppError
from helpline.dashboard.guards import Manager, ManagerWrite
from helpline.dashboard.pages import PageRoute
from helpline.dashboard.routes.settings_base import (
    Refusal,
    Text,
    refuse,
    saved,
    settings_page,
    validated,
)
from helpline.tenancy import service as tenancy
from helpline.tenancy.access import access_invitation, access_member
from helpline.tenancy.models import Role
from helpline.tenancy.schemas import InvitationCreate, MemberUpdate

router = APIRouter(route_class=PageRoute, include_in_schema=False)

MEMBERS: Final = "/app/settings/members"
FIELD_LABELS: Final = {"email": "The email address", "role": "The role", "capacity": "Capacity"}
ROLES: Final = (
    (Role.owner, "Owner", "Everything, including other owners and the workspace itself."),
    (Role.admin, "Admin", "Every setting, members, API keys and the audit log."),
    (Role.supervisor, "Supervisor", "Every conversation, teams and canned responses."),
    (Role.agent, "Agent", "Conversations of their teams and those assigned to them."),
)


async def _members(
    request: Request, session: SessionDep, viewer: Manager, refusal: Refusal | None = None
) -> Response:
    context = {
        "members": await tenancy.list_members(session, viewer.principal),
        "invitations": await tenancy.list_pending(session, viewer.principal),
        "roles": ROLES,
        "me": viewer.principal.membership_id,
    }
    return await settings_page(
        request,
        session,
        viewer,
        "settings/members.html",
        context,
        active="members",
        refusal=refusal,
    )


@router.get(MEMBERS)
async def members_page(request: Request, session: SessionDep, viewer: Manager) -> Response:
    return await _members(request, session, viewer)


@router.post(MEMBERS + "/{member_id}")
async def update_member(
    request: Request,
    session: SessionDep,
    viewer: ManagerWrite,
    member_id: uuid.UUID,
    role: Text = "",
    capacity: Text = "",
) -> Response:
    """Change a member's role and capacity (as PATCH /api/v1/members/{id})."""
    membership, _ = await access_member(session, viewer.principal, member_id)
    typed = {"role": role, "capacity": capacity}
    try:
        changes = {"role": role or None, "capacity": capacity.strip() or None}
        body = validated(MemberUpdate, changes, FIELD_LABELS)
        previous_capacity = membership.capacity
        await tenancy.update_member(
            session, viewer.principal, membership, role=body.role, capacity=body.capacity
        )
        if membership.capacity > previous_capacity:
            # Room for more: the queue may have some for them (docs/assignment.md).
            await conversations.drain_backlog(session, viewer.principal.workspace_id)
    except AppError as error:
        refusal = await refuse(session, error, f"member-{member_id}", typed)
        return await _members(request, session, viewer, refusal)
    return saved(MEMBERS)


@router.get(MEMBERS + "/{member_id}/remove")
async def confirm_removal(
    request: Request, session: SessionDep, viewer: Manager, member_id: uuid.UUID
) -> Response:
    membership, user = await access_member(session, viewer.principal, member_id)
    context = {
        "heading": "Remove a member",
        "question": f"Remove {user.name} ({user.email}) from the workspace?",
        "consequence": (
            "They are logged out of this workspace at once. Their conversations stay, and "
            "you can invite them again later."
        ),
        "action": f"{MEMBERS}/{membership.id}/remove",
        "button": "Remove member",
        "back": MEMBERS,
    }
    return await settings_page(
        request, session, viewer, "settings/confirm.html", context, active="members"
    )


@router.post(MEMBERS + "/{member_id}/remove")
async def remove_member(
    request: Request, session: SessionDep, viewer: ManagerWrite, member_id: uuid.UUID
) -> Response:
    membership, user = await access_member(session, viewer.principal, member_id)
    try:
        await tenancy.remove_member(session, viewer.principal, membership, user)
    except AppError as error:
        refusal = await refuse(session, error, f"member-{member_id}", {})
        return await _members(request, session, viewer, refusal)
    return saved(MEMBERS, "removed")


@router.post("/app/settings/invitations")
async def invite(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: ManagerWrite,
    email: Text = "",
    role: Text = "",
) -> Response:
    """Invite someone by email (as POST /api/v1/invitations)."""
    typed = {"email": email, "role": role}
    try:
        body = validated(InvitationCreate, {"email": email, "role": role or "agent"}, FIELD_LABELS)
        workspace = await tenancy.get_workspace(session, viewer.principal.workspace_id)
        await tenancy.invite(
            session, settings, viewer.principal, workspace, email=body.email, role=body.role
        )
    except AppError as error:
        refusal = await refuse(session, error, "invite", typed)
        return await _members(request, session, viewer, refusal)
    return saved(MEMBERS, "invited")


@router.post("/app/settings/invitations/{invitation_id}/revoke")
async def revoke_invitation(
    request: Request, session: SessionDep, viewer: ManagerWrite, invitation_id: uuid.UUID
) -> Response:
    invitation = await access_invitation(session, viewer.principal, invitation_id)
    try:
        await tenancy.revoke(session, viewer.principal, invitation)
    except AppError as error:
        refusal = await refuse(session, error, "invitations", {})
        return await _members(request, session, viewer, refusal)
    return saved(MEMBERS, "revoked")
