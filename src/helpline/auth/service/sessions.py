"""Login sessions: password login, token refresh with rotation, workspace switch, logout."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth.models import AuthSession, RefreshToken, User
from helpline.auth.principals import MemberPrincipal, StaffPrincipal
from helpline.auth.repository import AuthSessionRepository, RefreshTokenRepository, UserRepository
from helpline.auth.tokens import REFRESH_TOKEN_PREFIX, issue_access_token, issue_web_token
from helpline.core.context import current_origin
from helpline.core.errors import Conflict, NotAuthenticated, NotFound
from helpline.core.ratelimit import Limit, RateLimiter, enforce
from helpline.core.security import burn_password_check, hash_secret, new_secret, verify_password
from helpline.core.time import utc_now
from helpline.settings import Settings
from helpline.tenancy.models import Workspace, WorkspaceStatus
from helpline.tenancy.repository import UserMemberships, WorkspaceLookup

INVALID_LOGIN = "The email or password is not correct."


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    access_token_expires_at: datetime
    refresh_token: str
    refresh_token_expires_at: datetime
    workspace_id: uuid.UUID | None
    # The login session behind both tokens (the dashboard's cookie names it too).
    session_id: uuid.UUID
    user_id: uuid.UUID


async def login(
    session: AsyncSession,
    settings: Settings,
    limiter: RateLimiter,
    *,
    email: str,
    password: str,
    workspace_slug: str | None,
) -> TokenPair:
    """Check the password and start a session in one workspace (or a staff session).

    Without `workspace_slug`, a member of exactly one workspace logs into it; staff who are
    members of none get a staff session.
    """
    email = email.lower()
    await enforce(
        limiter,
        [
            Limit(f"login:account:{email}", settings.login_limit_per_account),
            Limit(f"login:ip:{current_origin().ip}", settings.login_limit_per_ip),
        ],
        window=settings.rate_limit_window,
    )
    user = await UserRepository(session).get_by_email(email)
    if user is None:
        await burn_password_check(settings, password)
        raise NotAuthenticated(INVALID_LOGIN)
    if not await verify_password(settings, user.password_hash, password) or not user.is_active:
        raise NotAuthenticated(INVALID_LOGIN)
    workspace_id = await _choose_workspace(session, user, workspace_slug)
    user.last_login_at = utc_now()
    return await start_session(session, settings, user, workspace_id)


async def _choose_workspace(
    session: AsyncSession, user: User, workspace_slug: str | None
) -> uuid.UUID | None:
    memberships = await UserMemberships(session).list_for_user(user.id)
    active = [(m, w) for m, w in memberships if w.status == WorkspaceStatus.active]
    if workspace_slug:
        for _, workspace in active:
            if workspace.slug == workspace_slug:
                return workspace.id
        raise NotAuthenticated(f"You are not a member of a workspace named {workspace_slug!r}.")
    if len(active) == 1:
        return active[0][1].id
    if not active and user.is_staff:
        return None
    if not active:
        raise NotAuthenticated("This account is not a member of any active workspace.")
    slugs = ", ".join(w.slug for _, w in active)
    raise Conflict(f"You belong to several workspaces; pass `workspace` as one of: {slugs}.")


async def start_session(
    session: AsyncSession, settings: Settings, user: User, workspace_id: uuid.UUID | None
) -> TokenPair:
    origin = current_origin()
    auth_session = AuthSession(
        user_id=user.id,
        workspace_id=workspace_id,
        expires_at=utc_now() + settings.refresh_token_ttl,
        ip=origin.ip,
        user_agent=origin.user_agent,
    )
    session.add(auth_session)
    await session.flush()
    return _issue_tokens(session, settings, auth_session)


def _issue_tokens(
    session: AsyncSession, settings: Settings, auth_session: AuthSession
) -> TokenPair:
    refresh = new_secret(REFRESH_TOKEN_PREFIX)
    session.add(RefreshToken(session_id=auth_session.id, token_hash=hash_secret(refresh)))
    access, access_expires_at = issue_access_token(
        settings,
        user_id=auth_session.user_id,
        session_id=auth_session.id,
        workspace_id=auth_session.workspace_id,
    )
    return TokenPair(
        access_token=access,
        access_token_expires_at=access_expires_at,
        refresh_token=refresh,
        refresh_token_expires_at=auth_session.expires_at,
        workspace_id=auth_session.workspace_id,
        session_id=auth_session.id,
        user_id=auth_session.user_id,
    )


class RefreshTokenReused(NotAuthenticated):
    default_detail = (
        "This refresh token was already used, so the session was ended for safety: log in again."
    )


async def refresh(session: AsyncSession, settings: Settings, *, refresh_token: str) -> TokenPair:
    """Exchange a refresh token for a new pair; the old refresh token is spent.

    Reuse of a spent token revokes its whole session (it was stolen, or replayed) and raises
    `RefreshTokenReused`; the caller must still commit, or the revocation is lost.
    """
    token = await RefreshTokenRepository(session).get_by_hash_for_update(hash_secret(refresh_token))
    if token is None:
        raise NotAuthenticated("The refresh token is not valid: log in again.")
    auth_session = await session.get(AuthSession, token.session_id, with_for_update=True)
    if auth_session is None or not _is_live(auth_session):
        raise NotAuthenticated("The session has ended: log in again.")
    if token.used_at is not None:
        auth_session.revoked_at = utc_now()
        raise RefreshTokenReused()
    await _check_still_allowed(session, auth_session)
    token.used_at = utc_now()
    return _issue_tokens(session, settings, auth_session)


async def _check_still_allowed(session: AsyncSession, auth_session: AuthSession) -> None:
    user = await session.get(User, auth_session.user_id)
    if user is None or not user.is_active:
        raise NotAuthenticated("The session has ended: log in again.")
    if auth_session.workspace_id is None:
        if not user.is_staff:
            raise NotAuthenticated("The session has ended: log in again.")
        return
    membership = await UserMemberships(session).get_in(user.id, auth_session.workspace_id)
    workspace = await session.get(Workspace, auth_session.workspace_id)
    if membership is None or workspace is None:
        raise NotAuthenticated("You are no longer a member of this workspace.")
    if workspace.status != WorkspaceStatus.active:
        raise NotAuthenticated("This workspace is suspended.")


def _is_live(auth_session: AuthSession) -> bool:
    return auth_session.revoked_at is None and auth_session.expires_at > utc_now()


async def switch_workspace(
    session: AsyncSession,
    settings: Settings,
    principal: MemberPrincipal | StaffPrincipal,
    *,
    workspace_slug: str,
) -> TokenPair:
    """Start a session in another workspace the same person belongs to."""
    user = await session.get(User, principal.user_id)
    workspace = await WorkspaceLookup(session).get_by_slug(workspace_slug)
    membership = (
        await UserMemberships(session).get_in(principal.user_id, workspace.id)
        if workspace
        else None
    )
    if user is None or workspace is None or membership is None:
        raise NotFound("Workspace not found.")
    if workspace.status != WorkspaceStatus.active:
        raise Conflict("This workspace is suspended.")
    return await start_session(session, settings, user, workspace.id)


async def logout(session: AsyncSession, principal: MemberPrincipal | StaffPrincipal) -> None:
    auth_session = await session.get(AuthSession, principal.session_id)
    if auth_session is not None and auth_session.revoked_at is None:
        auth_session.revoked_at = utc_now()


async def revoke_user_sessions(session: AsyncSession, user_id: uuid.UUID) -> None:
    await AuthSessionRepository(session).revoke_all_for_user(user_id, at=utc_now())


async def revoke_member_sessions(
    session: AsyncSession, user_id: uuid.UUID, workspace_id: uuid.UUID
) -> None:
    await AuthSessionRepository(session).revoke_for_membership(user_id, workspace_id, at=utc_now())


def web_token(settings: Settings, pair: TokenPair) -> str:
    """The dashboard's cookie for the session a login just started: it ends with it."""
    return issue_web_token(
        settings,
        user_id=pair.user_id,
        session_id=pair.session_id,
        workspace_id=pair.workspace_id,
        expires_at=pair.refresh_token_expires_at,
    )


def fresh_access_token(settings: Settings, principal: MemberPrincipal) -> tuple[str, datetime]:
    """A new access token for a live session (the dashboard's scripts call the API with it,
    while the cookie stays out of their reach)."""
    return issue_access_token(
        settings,
        user_id=principal.user_id,
        session_id=principal.session_id,
        workspace_id=principal.workspace_id,
    )
