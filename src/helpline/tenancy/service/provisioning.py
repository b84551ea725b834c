"""Creating a workspace together with its first owner: by platform staff, the CLI, or
self-service sign-up when the server allows it."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth import service as auth
from helpline.auth.principals import StaffPrincipal
from helpline.auth.repository import UserRepository
from helpline.core.context import current_origin
from helpline.core.errors import PermissionDenied
from helpline.core.ratelimit import Limit, RateLimiter, enforce
from helpline.settings import Settings
from helpline.tenancy.models import Invitation, Membership, Role, Workspace
from helpline.tenancy.service.invitations import invite
from helpline.tenancy.service.members import add_member
from helpline.tenancy.service.workspaces import create_workspace


@dataclass(frozen=True, slots=True)
class Provisioned:
    workspace: Workspace
    # Exactly one is set: an existing account becomes owner at once; a new email is invited.
    owner_membership: Membership | None
    owner_invitation: Invitation | None


async def provision_workspace(
    session: AsyncSession,
    settings: Settings,
    actor: StaffPrincipal | None,
    *,
    name: str,
    slug: str | None,
    domains: Sequence[str],
    owner_email: str,
) -> Provisioned:
    workspace = await create_workspace(session, actor, name=name, slug=slug, domains=domains)
    user = await UserRepository(session).get_by_email(owner_email)
    if user is not None:
        membership = await add_member(session, actor, workspace, user, Role.owner)
        return Provisioned(workspace, membership, None)
    invitation = await invite(
        session, settings, actor, workspace, email=owner_email, role=Role.owner
    )
    return Provisioned(workspace, None, invitation)


async def sign_up(
    session: AsyncSession,
    settings: Settings,
    limiter: RateLimiter,
    *,
    workspace_name: str,
    name: str,
    email: str,
    password: str,
) -> auth.TokenPair:
    """Self-service: a new account owning a new workspace, logged in."""
    if not settings.allow_signup:
        raise PermissionDenied(
            "Sign-up is disabled on this server: ask its operator for an invitation."
        )
    await enforce(
        limiter,
        [
            Limit(f"signup:account:{email.lower()}", settings.signup_limit_per_account),
            Limit(f"signup:ip:{current_origin().ip}", settings.signup_limit_per_ip),
        ],
        window=settings.rate_limit_window,
    )
    user = await auth.create_user(session, settings, email=email, name=name, password=password)
    workspace = await create_workspace(session, None, name=workspace_name)
    await add_member(session, None, workspace, user, Role.owner)
    return await auth.start_session(session, settings, user, workspace.id)
