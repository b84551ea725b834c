"""Route guards. Each authenticated route declares, through one of these, which principals it
accepts; the isolation suite reads the same declaration to know how to attack the route.

- `MemberAuth(roles)`: people of the workspace with one of `roles`.
- `WorkspaceAuth(roles, scope)`: those people, or API keys holding `scope`.
- `StaffAuth()`: platform staff.
- `VisitorAuth()`: website visitors, with a visitor token from the widget; nothing else.
A valid credential that the route does not accept gets 403; no credential gets 401.
"""

from typing import Annotated

import structlog
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth import service as auth
from helpline.auth.principals import (
    ALL_ROLES,
    ApiKeyPrincipal,
    MemberPrincipal,
    Principal,
    Scope,
    StaffPrincipal,
    VisitorPrincipal,
)
from helpline.auth.tokens import API_KEY_PREFIX, VISITOR_TOKEN_PREFIX
from helpline.core.deps import SessionDep, SettingsDep
from helpline.core.errors import NotAuthenticated, PermissionDenied
from helpline.settings import Settings
from helpline.tenancy.models import Role
from helpline.visitors.service import authenticate_visitor_token


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


class Authenticator:
    def __init__(
        self,
        *,
        roles: frozenset[Role] = frozenset(),
        scope: Scope | None = None,
        staff: bool = False,
    ) -> None:
        self.roles = roles
        self.scope = scope
        self.staff = staff

    async def resolve(
        self, request: Request, session: SessionDep, settings: SettingsDep
    ) -> Principal:
        token = bearer_token(request)
        if token is None:
            raise NotAuthenticated()
        principal = await self.authenticate(session, settings, token)
        self.check(principal)
        if not isinstance(principal, StaffPrincipal):
            structlog.contextvars.bind_contextvars(workspace_id=str(principal.workspace_id))
        return principal

    @staticmethod
    async def authenticate(session: AsyncSession, settings: Settings, token: str) -> Principal:
        """The principal of a member, API key or staff credential; a valid visitor token is
        refused with 403 (visitors call the widget routes only), an invalid one with 401."""
        if token.startswith(VISITOR_TOKEN_PREFIX):
            await authenticate_visitor_token(session, token)
            raise PermissionDenied(
                "Visitor tokens work only on the widget's endpoints (/api/v1/widget/...)."
            )
        if token.startswith(API_KEY_PREFIX):
            return await auth.authenticate_api_key(session, token)
        return await auth.authenticate_access_token(session, settings, token)

    def check(self, principal: Principal) -> None:
        if isinstance(principal, MemberPrincipal):
            if not self.roles:
                raise PermissionDenied("This endpoint is for platform staff.")
            if principal.role not in self.roles:
                raise PermissionDenied("Your role does not allow this action.")
        elif isinstance(principal, ApiKeyPrincipal):
            if self.scope is None:
                raise PermissionDenied("API keys cannot call this endpoint.")
            if self.scope not in principal.scopes:
                raise PermissionDenied(f"This API key lacks the {self.scope.value} scope.")
        elif not self.staff:
            raise PermissionDenied(
                "Platform staff use the platform API; log in to a workspace to call this endpoint."
            )


class MemberAuth(Authenticator):
    def __init__(self, roles: frozenset[Role] = ALL_ROLES) -> None:
        super().__init__(roles=roles)

    async def __call__(
        self, request: Request, session: SessionDep, settings: SettingsDep
    ) -> MemberPrincipal:
        principal = await self.resolve(request, session, settings)
        assert isinstance(principal, MemberPrincipal)  # noqa: S101 (check() admits members only)
        return principal


class WorkspaceAuth(Authenticator):
    def __init__(self, roles: frozenset[Role], scope: Scope) -> None:
        super().__init__(roles=roles, scope=scope)

    async def __call__(
        self, request: Request, session: SessionDep, settings: SettingsDep
    ) -> MemberPrincipal | ApiKeyPrincipal:
        principal = await self.resolve(request, session, settings)
        assert not isinstance(principal, StaffPrincipal)  # noqa: S101 (check() refuses staff)
        return principal


class StaffAuth(Authenticator):
    def __init__(self) -> None:
        super().__init__(staff=True)

    async def __call__(
        self, request: Request, session: SessionDep, settings: SettingsDep
    ) -> StaffPrincipal:
        principal = await self.resolve(request, session, settings)
        assert isinstance(principal, StaffPrincipal)  # noqa: S101 (check() admits staff only)
        return principal


class SessionAuth(Authenticator):
    """Any logged-in person, member or staff: for routes about the person themself."""

    def __init__(self) -> None:
        super().__init__(roles=ALL_ROLES, staff=True)

    async def __call__(
        self, request: Request, session: SessionDep, settings: SettingsDep
    ) -> MemberPrincipal | StaffPrincipal:
        principal = await self.resolve(request, session, settings)
        assert not isinstance(principal, ApiKeyPrincipal)  # noqa: S101 (check() refuses keys)
        return principal


class VisitorAuth(Authenticator):
    """Website visitors through the widget. Members, API keys and staff get 403."""

    async def __call__(
        self, request: Request, session: SessionDep, settings: SettingsDep
    ) -> VisitorPrincipal:
        token = bearer_token(request)
        if token is None:
            raise NotAuthenticated()
        if not token.startswith(VISITOR_TOKEN_PREFIX):
            await self.authenticate(session, settings, token)  # 401 unless valid
            raise PermissionDenied(
                "This endpoint is for website visitors: call it with the widget's visitor token."
            )
        principal = await authenticate_visitor_token(session, token)
        structlog.contextvars.bind_contextvars(workspace_id=str(principal.workspace_id))
        return principal


AnyMember = Annotated[MemberPrincipal, Depends(MemberAuth())]
LoggedIn = Annotated[MemberPrincipal | StaffPrincipal, Depends(SessionAuth())]
Staff = Annotated[StaffPrincipal, Depends(StaffAuth())]
Visitor = Annotated[VisitorPrincipal, Depends(VisitorAuth())]
