"""The widget's visitor sessions and the visitor themself; the workspace's identity secret.

Session creation is public: the workspace's public widget key and an allowed Origin are what
let it run. Every other widget route takes the visitor token as a bearer token (no cookies,
so no cross-site request forgery to defend against).
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response, status

from helpline.auth.dependencies import MemberAuth, Visitor
from helpline.auth.principals import MANAGER_ROLES, MemberPrincipal
from helpline.contacts import service as contacts
from helpline.core.deps import RateLimiterDep, SessionDep, SettingsDep
from helpline.core.errors import NotAuthenticated, NotFound, RateLimited, responses
from helpline.tenancy import service as tenancy
from helpline.visitors import service as visitors
from helpline.visitors.schemas import (
    IdentitySecretRead,
    SessionCreate,
    VisitorRead,
    VisitorSessionRead,
    VisitorUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["widget"])
Manager = Annotated[MemberPrincipal, Depends(MemberAuth(MANAGER_ROLES))]

VISITOR_ERRORS = responses(NotAuthenticated)


@router.post(
    "/widget/sessions",
    responses=responses(
        NotFound, visitors.OriginNotAllowed, visitors.IdentityNotVerified, RateLimited
    ),
)
async def start_session(
    body: SessionCreate,
    session: SessionDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
    origin: Annotated[str | None, Header()] = None,
) -> VisitorSessionRead:
    """Start or resume a visitor session (public: needs the workspace's widget key, from one
    of its widget origins). Returns the visitor token."""
    started = await visitors.start_session(session, settings, limiter, origin=origin, request=body)
    return VisitorSessionRead(
        token=started.token,
        expires_at=started.visitor_session.expires_at,
        resumed=started.resumed,
        visitor=VisitorRead.of(started.contact),
    )


@router.post(
    "/widget/sessions/end", status_code=status.HTTP_204_NO_CONTENT, responses=VISITOR_ERRORS
)
async def end_session(principal: Visitor, session: SessionDep) -> Response:
    """End this visitor session: its token stops working at once."""
    await visitors.end_session(session, principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/widget/me", responses=VISITOR_ERRORS)
async def get_me(principal: Visitor, session: SessionDep) -> VisitorRead:
    """The visitor, as they see themself."""
    return VisitorRead.of(await visitors.get_visitor(session, principal))


@router.patch("/widget/me", responses=responses(NotAuthenticated, contacts.InvalidContact))
async def update_me(body: VisitorUpdate, principal: Visitor, session: SessionDep) -> VisitorRead:
    """Change your name or email; only the fields sent change."""
    contact = await visitors.update_visitor(session, principal, changes=body.changes())
    return VisitorRead.of(contact)


@router.get("/workspace/identity-secret")
async def get_identity_secret(principal: Manager, session: SessionDep) -> IdentitySecretRead:
    """The secret your server signs visitor identities with (owners and admins; audited)."""
    workspace = await tenancy.get_workspace(session, principal.workspace_id)
    secret = await visitors.reveal_identity_secret(session, principal, workspace)
    return IdentitySecretRead(identity_secret=secret)


@router.post("/workspace/identity-secret/rotate")
async def rotate_identity_secret(principal: Manager, session: SessionDep) -> IdentitySecretRead:
    """Replace the identity secret (owners and admins; audited): hashes made with the old
    one stop verifying at once."""
    workspace = await tenancy.get_workspace(session, principal.workspace_id)
    secret = await visitors.rotate_identity_secret(session, principal, workspace)
    return IdentitySecretRead(identity_secret=secret)
