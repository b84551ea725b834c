"""Login, tokens, passwords, the current user, and API keys."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status
from fastapi.responses import JSONResponse

from helpline.auth import service as auth
from helpline.auth.access import access_api_key
from helpline.auth.dependencies import LoggedIn, MemberAuth
from helpline.auth.models import User
from helpline.auth.principals import MANAGER_ROLES, MemberPrincipal
from helpline.auth.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    LoginRequest,
    MembershipSummary,
    MeRead,
    PasswordChange,
    PasswordResetConfirm,
    PasswordResetRequest,
    RefreshRequest,
    SignupRequest,
    SwitchWorkspace,
    TokenResponse,
)
from helpline.core.deps import RateLimiterDep, SessionDep, SettingsDep
from helpline.core.errors import (
    Conflict,
    Gone,
    NotAuthenticated,
    NotFound,
    RateLimited,
    responses,
)
from helpline.tenancy import service as tenancy
from helpline.tenancy.repository import UserMemberships

router = APIRouter(prefix="/api/v1", tags=["auth"])
Manager = Annotated[MemberPrincipal, Depends(MemberAuth(MANAGER_ROLES))]

AUTH_ERRORS = responses(NotAuthenticated, RateLimited)


@router.post("/auth/login", responses=responses(NotAuthenticated, RateLimited, Conflict))
async def login(
    body: LoginRequest, session: SessionDep, settings: SettingsDep, limiter: RateLimiterDep
) -> TokenResponse:
    """Log in with email and password (public). Returns an access and a refresh token."""
    pair = await auth.login(
        session,
        settings,
        limiter,
        email=body.email,
        password=body.password,
        workspace_slug=body.workspace,
    )
    return TokenResponse.from_pair(pair)


@router.post("/auth/refresh", response_model=TokenResponse, responses=AUTH_ERRORS)
async def refresh(
    body: RefreshRequest, session: SessionDep, settings: SettingsDep
) -> TokenResponse | JSONResponse:
    """Exchange a refresh token for a new token pair (public). Each refresh token works once."""
    try:
        return TokenResponse.from_pair(
            await auth.refresh(session, settings, refresh_token=body.refresh_token)
        )
    except auth.RefreshTokenReused as exc:
        # Returned, not raised, so that the unit of work commits the session's revocation.
        return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT, responses=AUTH_ERRORS)
async def logout(principal: LoggedIn, session: SessionDep) -> Response:
    """End this login session: its access and refresh tokens stop working at once."""
    await auth.logout(session, principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/auth/password", responses=AUTH_ERRORS)
async def change_password(
    body: PasswordChange, principal: LoggedIn, session: SessionDep, settings: SettingsDep
) -> TokenResponse:
    """Change your password. Every other session of yours ends; new tokens are returned."""
    pair = await auth.change_password(
        session,
        settings,
        principal,
        current_password=body.current_password,
        new_password=body.new_password,
    )
    return TokenResponse.from_pair(pair)


@router.post("/auth/password-reset", status_code=status.HTTP_202_ACCEPTED, responses=AUTH_ERRORS)
async def request_password_reset(
    body: PasswordResetRequest, session: SessionDep, settings: SettingsDep, limiter: RateLimiterDep
) -> dict[str, str]:
    """Email a password reset link (public). Answers the same whether the account exists."""
    await auth.request_password_reset(session, settings, limiter, email=body.email)
    return {"detail": "If an account uses this email, a reset link is on its way."}


@router.post(
    "/auth/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(Gone),
)
async def confirm_password_reset(
    body: PasswordResetConfirm, session: SessionDep, settings: SettingsDep
) -> Response:
    """Set a new password with the token from a reset email (public)."""
    await auth.reset_password(session, settings, token=body.token, new_password=body.new_password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/auth/switch-workspace", responses=responses(NotAuthenticated, NotFound))
async def switch_workspace(
    body: SwitchWorkspace, principal: LoggedIn, session: SessionDep, settings: SettingsDep
) -> TokenResponse:
    """Get tokens for another workspace you are a member of."""
    pair = await auth.switch_workspace(session, settings, principal, workspace_slug=body.workspace)
    return TokenResponse.from_pair(pair)


@router.post("/auth/signup", status_code=status.HTTP_201_CREATED, responses=AUTH_ERRORS)
async def signup(
    body: SignupRequest, session: SessionDep, settings: SettingsDep, limiter: RateLimiterDep
) -> TokenResponse:
    """Create an account and a workspace you own (public; only when the server allows it)."""
    pair = await tenancy.sign_up(
        session,
        settings,
        limiter,
        workspace_name=body.workspace_name,
        name=body.name,
        email=body.email,
        password=body.password,
    )
    return TokenResponse.from_pair(pair)


@router.get("/me", responses=AUTH_ERRORS)
async def me(principal: LoggedIn, session: SessionDep) -> MeRead:
    """Who you are, the workspace this session acts in, and all your memberships."""
    user = await session.get(User, principal.user_id)
    if user is None:
        raise NotAuthenticated()
    memberships = await UserMemberships(session).list_for_user(user.id)
    return MeRead(
        id=user.id,
        email=user.email,
        name=user.name,
        is_staff=user.is_staff,
        workspace_id=principal.workspace_id if isinstance(principal, MemberPrincipal) else None,
        memberships=[
            MembershipSummary(
                workspace_id=w.id,
                workspace_name=w.name,
                workspace_slug=w.slug,
                member_id=m.id,
                role=m.role,
                availability=m.availability,
            )
            for m, w in memberships
        ],
    )


@router.get("/api-keys")
async def list_api_keys(principal: Manager, session: SessionDep) -> list[ApiKeyRead]:
    """The workspace's API keys (owners and admins). Secrets are never shown again."""
    return [ApiKeyRead.model_validate(k) for k in await auth.list_api_keys(session, principal)]


@router.post("/api-keys", status_code=status.HTTP_201_CREATED)
async def create_api_key(
    body: ApiKeyCreate, principal: Manager, session: SessionDep
) -> ApiKeyCreated:
    """Create an API key (owners and admins). The secret is in this response only."""
    api_key, secret = await auth.create_api_key(
        session, principal, name=body.name, scopes=body.scopes
    )
    return ApiKeyCreated(**ApiKeyRead.model_validate(api_key).model_dump(), secret=secret)


@router.delete(
    "/api-keys/{api_key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(NotFound),
)
async def delete_api_key(
    api_key_id: uuid.UUID, principal: Manager, session: SessionDep
) -> Response:
    """Delete an API key (owners and admins); requests made with it fail from now on."""
    api_key = await access_api_key(session, principal, api_key_id)
    await auth.delete_api_key(session, principal, api_key)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
