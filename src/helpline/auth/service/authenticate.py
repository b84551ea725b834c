"""Turning a credential into a principal. Runs on every authenticated request."""

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth.models import AuthSession, User
from helpline.auth.principals import ApiKeyPrincipal, MemberPrincipal, Scope, StaffPrincipal
from helpline.auth.repository import ApiKeyLookup
from helpline.auth.tokens import read_access_token, read_web_token
from helpline.core.errors import NotAuthenticated
from helpline.core.security import hash_secret
from helpline.core.time import utc_now
from helpline.settings import Settings
from helpline.tenancy.models import Membership, Workspace, WorkspaceStatus

# Writing last_used_at on every call would turn each read into a write; a minute is precise
# enough to tell an unused key from a used one.
API_KEY_TOUCH_INTERVAL = timedelta(minutes=1)
SESSION_ENDED = "The session has ended: log in again."


async def authenticate_access_token(
    session: AsyncSession, settings: Settings, token: str
) -> MemberPrincipal | StaffPrincipal:
    """Check the token, and that its session, user and membership are all still valid.

    Checked on every request, so that logout, password change and member removal revoke
    tokens at once.
    """
    claims = read_access_token(settings, token)
    return await _principal_of_session(
        session, claims.session_id, claims.user_id, claims.workspace_id
    )


async def authenticate_web_token(
    session: AsyncSession, settings: Settings, token: str
) -> MemberPrincipal | StaffPrincipal:
    """The dashboard cookie's principal, checked against its live session like a token."""
    claims = read_web_token(settings, token)
    return await _principal_of_session(
        session, claims.session_id, claims.user_id, claims.workspace_id
    )


async def recheck_member(session: AsyncSession, principal: MemberPrincipal) -> MemberPrincipal:
    """The member behind a live connection, as of now: their login session must still be
    valid (the access token's own expiry does not matter: the socket was authenticated
    when it opened). Raises NotAuthenticated once it is not; the role may have changed."""
    current = await _principal_of_session(
        session, principal.session_id, principal.user_id, principal.workspace_id
    )
    if not isinstance(current, MemberPrincipal):
        raise NotAuthenticated(SESSION_ENDED)
    return current


async def _principal_of_session(
    session: AsyncSession,
    session_id: uuid.UUID,
    user_id: uuid.UUID,
    workspace_id: uuid.UUID | None,
) -> MemberPrincipal | StaffPrincipal:
    statement = (
        select(AuthSession, User, Membership, Workspace)
        .join(User, User.id == AuthSession.user_id)
        .outerjoin(
            Membership,
            (Membership.user_id == User.id) & (Membership.workspace_id == AuthSession.workspace_id),
        )
        .outerjoin(Workspace, Workspace.id == AuthSession.workspace_id)
        .where(AuthSession.id == session_id, AuthSession.user_id == user_id)
    )
    row = (await session.execute(statement)).first()
    if row is None:
        raise NotAuthenticated(SESSION_ENDED)
    auth_session, user, membership, workspace = row
    if auth_session.revoked_at is not None or auth_session.expires_at <= utc_now():
        raise NotAuthenticated(SESSION_ENDED)
    if not user.is_active or auth_session.workspace_id != workspace_id:
        raise NotAuthenticated(SESSION_ENDED)
    if workspace_id is None:
        if not user.is_staff:
            raise NotAuthenticated(SESSION_ENDED)
        return StaffPrincipal(user_id=user.id, session_id=auth_session.id, label=user.email)
    # Outer joins: no membership row means the person was removed. A membership implies its
    # workspace (foreign key), so only the workspace's status is left to check.
    if membership is None:
        raise NotAuthenticated("You are no longer a member of this workspace.")
    if workspace.status != WorkspaceStatus.active:
        raise NotAuthenticated("This workspace is suspended.")
    return MemberPrincipal(
        user_id=user.id,
        workspace_id=membership.workspace_id,
        membership_id=membership.id,
        role=membership.role,
        session_id=auth_session.id,
        label=user.email,
    )


async def authenticate_api_key(session: AsyncSession, secret: str) -> ApiKeyPrincipal:
    api_key = await ApiKeyLookup(session).get_by_hash(hash_secret(secret))
    if api_key is None:
        raise NotAuthenticated("The API key is not valid.")
    workspace = await session.get(Workspace, api_key.workspace_id)
    if workspace is None or workspace.status != WorkspaceStatus.active:
        raise NotAuthenticated("This workspace is suspended.")
    now = utc_now()
    if api_key.last_used_at is None or now - api_key.last_used_at > API_KEY_TOUCH_INTERVAL:
        api_key.last_used_at = now
    known = {scope.value for scope in Scope}
    return ApiKeyPrincipal(
        api_key_id=api_key.id,
        workspace_id=api_key.workspace_id,
        scopes=frozenset(Scope(s) for s in api_key.scopes if s in known),
        label=api_key.name,
    )
