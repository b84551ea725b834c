"""Invitations: an emailed, expiring, single-use link that makes someone a member.

The link's secret is the only key: it is bound to its workspace and role, and it is spent
when accepted. Accepting creates the account, or, for an email that already has one,
requires that account's password.
"""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.audit import service as audit
from helpline.auth import service as auth
from helpline.auth.models import User
from helpline.auth.principals import MemberPrincipal, Principal, StaffPrincipal, WorkspacePrincipal
from helpline.auth.repository import UserRepository
from helpline.core.context import current_origin
from helpline.core.errors import BadRequest, Conflict, Gone, NotAuthenticated, PermissionDenied
from helpline.core.ratelimit import Limit, RateLimiter, enforce
from helpline.core.security import hash_secret, new_secret, verify_password
from helpline.core.time import utc_now
from helpline.mail import service as mail
from helpline.settings import Settings
from helpline.tenancy.models import Invitation, Role, Workspace, WorkspaceStatus
from helpline.tenancy.repository import InvitationLookup, InvitationRepository, MembershipRepository
from helpline.tenancy.service.members import add_member

EXPIRED = "This invitation has expired, was revoked, or was already used. Ask for a new one."


async def invite(
    session: AsyncSession,
    settings: Settings,
    actor: Principal | None,
    workspace: Workspace,
    *,
    email: str,
    role: Role,
) -> Invitation:
    """Create an invitation and email its link. Only owners (or the system) invite owners."""
    email = email.lower()
    if role == Role.owner and not _may_grant_owner(actor):
        raise PermissionDenied("Only an owner can invite another owner.")
    members = MembershipRepository(session, workspace_id=workspace.id)
    if await members.get_for_user_by_email(email) is not None:
        raise Conflict(f"{email} is already a member of this workspace.")
    invitations = InvitationRepository(session, workspace_id=workspace.id)
    for previous in await invitations.pending_for_email(email):
        previous.revoked_at = utc_now()  # a new invitation replaces any pending one
    token = new_secret()
    invitation = Invitation(
        workspace_id=workspace.id,
        email=email,
        role=role,
        token_hash=hash_secret(token),
        invited_by_id=actor.user_id
        if isinstance(actor, MemberPrincipal | StaffPrincipal)
        else None,
        expires_at=utc_now() + settings.invitation_ttl,
    )
    session.add(invitation)
    await session.flush()
    await mail.queue_email(
        session,
        to=email,
        subject=f"You are invited to {workspace.name} on Helpline",
        body=_invitation_body(settings, workspace, role, token),
        workspace_id=workspace.id,
    )
    audit.record(
        session,
        actor,
        workspace_id=workspace.id,
        action="invitation.created",
        target_type="invitation",
        target_id=invitation.id,
        data={"email": email, "role": role.value},
    )
    return invitation


def _may_grant_owner(actor: Principal | None) -> bool:
    # The system (CLI) and platform staff set up owners; inside a workspace, only owners.
    if actor is None or isinstance(actor, StaffPrincipal):
        return True
    return isinstance(actor, MemberPrincipal) and actor.role == Role.owner


def _invitation_body(settings: Settings, workspace: Workspace, role: Role, token: str) -> str:
    days = settings.invitation_ttl.days or 1
    return (
        f"Hello,\n\nYou are invited to join {workspace.name} on Helpline as {role.value}.\n"
        f"Accept the invitation here (the link works once, for {days} days):\n\n"
        f"{settings.public_url}/invitations/accept?token={token}\n"
    )


async def list_pending(session: AsyncSession, actor: WorkspacePrincipal) -> Sequence[Invitation]:
    invitations = InvitationRepository(session, workspace_id=actor.workspace_id)
    statement = invitations.base_statement().where(
        Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None),
        Invitation.expires_at > utc_now(),
    )
    return (await session.scalars(statement.order_by(Invitation.id))).all()


async def revoke(session: AsyncSession, actor: WorkspacePrincipal, invitation: Invitation) -> None:
    if invitation.accepted_at is not None:
        raise Conflict("This invitation was already accepted: remove the member instead.")
    if invitation.revoked_at is None:
        invitation.revoked_at = utc_now()
        audit.record(
            session,
            actor,
            workspace_id=invitation.workspace_id,
            action="invitation.revoked",
            target_type="invitation",
            target_id=invitation.id,
            data={"email": invitation.email},
        )


async def find_usable(
    session: AsyncSession, token: str
) -> tuple[Invitation, Workspace, User | None]:
    """The invitation behind a link, if it can still be accepted, with its invitee's account."""
    invitation = await InvitationLookup(session).get_by_hash_for_update(hash_secret(token))
    usable = (
        invitation is not None
        and invitation.accepted_at is None
        and invitation.revoked_at is None
        and invitation.expires_at > utc_now()
    )
    if not usable or invitation is None:
        raise Gone(EXPIRED)
    workspace = await session.get(Workspace, invitation.workspace_id)
    if workspace is None:
        raise Gone(EXPIRED)
    return invitation, workspace, await UserRepository(session).get_by_email(invitation.email)


async def accept(
    session: AsyncSession,
    settings: Settings,
    limiter: RateLimiter,
    *,
    token: str,
    name: str | None,
    password: str,
) -> auth.TokenPair:
    """Accept an invitation (signing up, or with an existing account) and log in."""
    await enforce(
        limiter,
        [Limit(f"signup:ip:{current_origin().ip}", settings.signup_limit_per_ip)],
        window=settings.rate_limit_window,
    )
    invitation, workspace, user = await find_usable(session, token)
    # Per account too: joining with an existing account checks its password.
    await enforce(
        limiter,
        [Limit(f"signup:account:{invitation.email}", settings.signup_limit_per_account)],
        window=settings.rate_limit_window,
    )
    if workspace.status != WorkspaceStatus.active:
        # Joining would hand out tokens that fail at once; the link stays usable for later.
        raise Conflict("This workspace is suspended.")
    if user is None:
        if not name:
            raise BadRequest("Give your name to create your account.")
        user = await auth.create_user(
            session, settings, email=invitation.email, name=name, password=password
        )
    elif not await verify_password(settings, user.password_hash, password):
        raise NotAuthenticated("An account with this email exists: enter its password to join.")
    await add_member(session, None, workspace, user, invitation.role)
    invitation.accepted_at = utc_now()
    return await auth.start_session(session, settings, user, workspace.id)
