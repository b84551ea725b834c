"""Client-supplied ids become workspace objects only here. Each function looks the id up
inside the caller's workspace and raises the same NotFound whether the row is missing or
belongs to another workspace (RELIABILITY.md, Isolation 1 and 2)."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth.models import User
from helpline.auth.principals import WorkspacePrincipal
from helpline.core.errors import NotFound
from helpline.tenancy.models import Invitation, Membership, Team
from helpline.tenancy.repository import InvitationRepository, MembershipRepository, TeamRepository


async def access_member(
    session: AsyncSession, principal: WorkspacePrincipal, member_id: uuid.UUID
) -> tuple[Membership, User]:
    found = await MembershipRepository(session, workspace_id=principal.workspace_id).get_with_user(
        member_id
    )
    if found is None:
        raise NotFound("Member not found.")
    return found


async def access_team(
    session: AsyncSession, principal: WorkspacePrincipal, team_id: uuid.UUID
) -> Team:
    team = await TeamRepository(session, workspace_id=principal.workspace_id).get(team_id)
    if team is None:
        raise NotFound("Team not found.")
    return team


async def access_invitation(
    session: AsyncSession, principal: WorkspacePrincipal, invitation_id: uuid.UUID
) -> Invitation:
    invitations = InvitationRepository(session, workspace_id=principal.workspace_id)
    invitation = await invitations.get(invitation_id)
    if invitation is None:
        raise NotFound("Invitation not found.")
    return invitation
