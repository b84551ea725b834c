"""Who is looking at a page: the dashboard's counterpart of auth/dependencies.py.

`PageAuth(roles)` reads the session cookie, checks its login session like any credential,
and refuses roles the page is not for. The isolation suite reads the same declaration to
attack every page (tests/dashboard/test_page_sweep.py). `PageAuth(roles, write=True)` also
checks the write's CSRF token; the sweep proves every write route refuses one without it.
"""

from dataclasses import dataclass
from typing import Annotated

import structlog
from fastapi import Depends, Request

from helpline.auth import service as auth
from helpline.auth.principals import ALL_ROLES, MANAGER_ROLES, MemberPrincipal, StaffPrincipal
from helpline.core.deps import SessionDep, SettingsDep
from helpline.core.errors import NotAuthenticated, PermissionDenied
from helpline.dashboard import cookies
from helpline.dashboard.pages import LoginRequired
from helpline.tenancy.models import Role


@dataclass(frozen=True, slots=True)
class Viewer:
    principal: MemberPrincipal
    # The token every form and script request of this session repeats.
    csrf: str


class PageAuth:
    def __init__(self, roles: frozenset[Role], *, write: bool = False) -> None:
        self.roles = roles
        self.write = write

    async def __call__(
        self, request: Request, session: SessionDep, settings: SettingsDep
    ) -> Viewer:
        token = request.cookies.get(cookies.SESSION_COOKIE)
        if not token:
            raise LoginRequired()
        try:
            principal = await auth.authenticate_web_token(session, settings, token)
        except NotAuthenticated as ended:
            raise LoginRequired(ended.detail) from ended
        if isinstance(principal, StaffPrincipal):
            raise PermissionDenied(
                "The dashboard is for members of a workspace; staff use the platform API."
            )
        if principal.role not in self.roles:
            raise PermissionDenied("This page is not open to your role.")
        structlog.contextvars.bind_contextvars(workspace_id=str(principal.workspace_id))
        viewer = Viewer(principal, cookies.session_csrf(settings, principal.session_id))
        if self.write:
            await check_csrf(request, viewer.csrf)
        return viewer


class CsrfRefused(PermissionDenied):
    default_detail = (
        "This form has expired or did not come from Helpline: reload the page and try again."
    )


async def check_csrf(request: Request, expected: str) -> None:
    """The token of a write: the X-CSRF-Token header (scripts) or the form field."""
    given = request.headers.get(cookies.CSRF_HEADER)
    if given is None and request.method != "GET":
        form = await request.form()
        field = form.get(cookies.CSRF_FIELD)
        given = field if isinstance(field, str) else None
    if not cookies.same_token(given, expected):
        raise CsrfRefused()


# Supervisors see reports and team settings; owners and admins see every setting.
SUPERVISING_ROLES = frozenset({Role.owner, Role.admin, Role.supervisor})

Member = Annotated[Viewer, Depends(PageAuth(ALL_ROLES))]
MemberWrite = Annotated[Viewer, Depends(PageAuth(ALL_ROLES, write=True))]
Manager = Annotated[Viewer, Depends(PageAuth(MANAGER_ROLES))]
ManagerWrite = Annotated[Viewer, Depends(PageAuth(MANAGER_ROLES, write=True))]
Supervisor = Annotated[Viewer, Depends(PageAuth(SUPERVISING_ROLES))]
SupervisorWrite = Annotated[Viewer, Depends(PageAuth(SUPERVISING_ROLES, write=True))]
