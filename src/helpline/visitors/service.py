"""Visitor sessions: how a website visitor gets, resumes and ends a widget credential, and
proves who they are. Import as `from helpline.visitors import service as visitors`.

A visitor token (`hlv_…`, 256 random bits) is bound to one contact of one workspace; only its
SHA-256 is stored. See docs/widget-api.md for the rules as the widget sees them.
"""

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.audit import service as audit
from helpline.auth.models import VisitorSession
from helpline.auth.principals import MemberPrincipal, VisitorPrincipal
from helpline.auth.tokens import VISITOR_TOKEN_PREFIX
from helpline.contacts import service as contacts
from helpline.contacts.models import Contact
from helpline.contacts.repository import ContactRepository
from helpline.core.context import current_origin
from helpline.core.errors import NotAuthenticated, NotFound, PermissionDenied
from helpline.core.ratelimit import Limit, RateLimiter, enforce
from helpline.core.security import hash_secret, new_secret
from helpline.core.time import utc_now
from helpline.settings import Settings
from helpline.tenancy.models import Workspace, WorkspaceStatus
from helpline.visitors.origins import OriginNotAllowed, check_widget_origin, normalize_origin
from helpline.visitors.repository import (
    OpenSocketSessions,
    VisitorSessionRepository,
    VisitorTokenLookup,
    WidgetKeyLookup,
)
from helpline.visitors.schemas import UNVERIFIED_ID_ATTRIBUTE, IdentityClaim, SessionCreate

__all__ = [
    "IdentityNotVerified",
    "OriginNotAllowed",
    "StartedSession",
    "authenticate_visitor_token",
    "check_widget_origin",
    "end_session",
    "enforce_message_limit",
    "enforce_upload_limit",
    "get_visitor",
    "identity_hash",
    "normalize_origin",
    "open_session",
    "reveal_identity_secret",
    "rotate_identity_secret",
    "start_session",
    "update_visitor",
    "visitor_workspace",
]

WIDGET_RATE_WINDOW: Final = timedelta(minutes=1)
# Writing last_seen_at on every request would turn each read into a write.
VISITOR_TOUCH_INTERVAL: Final = timedelta(minutes=1)
SESSION_NOT_VALID: Final = (
    "The visitor token is not valid or has ended: start a new visitor session with "
    "POST /api/v1/widget/sessions."
)
NO_WIDGET: Final = "No active workspace has this widget key: copy it from the workspace settings."


class IdentityNotVerified(PermissionDenied):
    default_detail = "The identity claim is not signed by the website."


@dataclass(frozen=True, slots=True)
class StartedSession:
    token: str
    visitor_session: VisitorSession
    contact: Contact
    # The token sent in was still good for this visitor, and is returned unchanged.
    resumed: bool


def identity_hash(identity_secret: str, external_id: str) -> str:
    """What the website's server sends as identity_hash: hex HMAC-SHA256(secret, external_id)."""
    return hmac.new(identity_secret.encode(), external_id.encode(), hashlib.sha256).hexdigest()


async def widget_workspace(session: AsyncSession, public_key: str) -> Workspace:
    """The active workspace whose public widget key this is; NotFound otherwise (a suspended
    workspace answers like an unknown key)."""
    workspace = await WidgetKeyLookup(session).get_by_public_key(public_key)
    if workspace is None or workspace.status != WorkspaceStatus.active:
        raise NotFound(NO_WIDGET)
    return workspace


async def start_session(
    session: AsyncSession,
    settings: Settings,
    limiter: RateLimiter,
    *,
    origin: str | None,
    request: SessionCreate,
) -> StartedSession:
    """Resume the visitor of `request.token`, or start an anonymous one, then apply the
    identity claim. A token of another workspace, revoked or expired, starts a new visitor
    rather than failing the widget. Rate limited per IP and per workspace; the Origin must be
    one of the workspace's widget origins."""
    ip_limit = Limit(
        f"widget_session:ip:{current_origin().ip}", settings.widget_session_limit_per_ip
    )
    await enforce(limiter, [ip_limit], window=WIDGET_RATE_WINDOW)
    workspace = await widget_workspace(session, request.public_key)
    check_widget_origin(workspace, origin)
    workspace_limit = Limit(
        f"widget_session:workspace:{workspace.id}", settings.widget_session_limit_per_workspace
    )
    await enforce(limiter, [workspace_limit], window=WIDGET_RATE_WINDOW)
    current = await _resumable(session, workspace, request.token)
    contact = current[1] if current is not None else None
    if request.identity is not None:
        contact = await _apply_claim(session, workspace, contact, request.identity)
    if contact is None:
        contact = await _new_contact(session, workspace)
    browser = request.browser.model_dump(exclude_none=True) if request.browser else None
    await contacts.touch_seen(session, contact, browser=browser)
    now = utc_now()
    if current is not None and current[0].contact_id == contact.id and request.token:
        visitor_session = current[0]
        visitor_session.expires_at = now + settings.visitor_session_ttl
        visitor_session.last_seen_at = now
        return StartedSession(request.token, visitor_session, contact, resumed=True)
    if current is not None:
        # This browser is someone else now (another identity): its old token is done.
        current[0].revoked_at = now
    visitor_session, token = await open_session(session, settings, contact)
    return StartedSession(token, visitor_session, contact, resumed=False)


async def open_session(
    session: AsyncSession, settings: Settings, contact: Contact
) -> tuple[VisitorSession, str]:
    """A new visitor session for `contact`; returns it with its token, shown only now."""
    token = new_secret(VISITOR_TOKEN_PREFIX)
    now = utc_now()
    visitor_session = VisitorSession(
        workspace_id=contact.workspace_id,
        contact_id=contact.id,
        token_hash=hash_secret(token),
        created_at=now,
        last_seen_at=now,
        expires_at=now + settings.visitor_session_ttl,
    )
    session.add(visitor_session)
    await session.flush()
    return visitor_session, token


async def _resumable(
    session: AsyncSession, workspace: Workspace, token: str | None
) -> tuple[VisitorSession, Contact] | None:
    if not token or not token.startswith(VISITOR_TOKEN_PREFIX):
        return None
    found = await VisitorTokenLookup(session).get_with_workspace(hash_secret(token))
    if found is None:
        return None
    visitor_session, _ = found
    if (
        visitor_session.workspace_id != workspace.id
        or visitor_session.revoked_at is not None
        or visitor_session.expires_at <= utc_now()
    ):
        return None
    contact = await ContactRepository(session, workspace_id=workspace.id).get(
        visitor_session.contact_id
    )
    return None if contact is None else (visitor_session, contact)


async def _new_contact(session: AsyncSession, workspace: Workspace) -> Contact:
    contact = Contact(workspace_id=workspace.id, attributes={}, browser={})
    session.add(contact)
    await session.flush()
    return contact


def _claim_is_signed(workspace: Workspace, claim: IdentityClaim) -> bool:
    """Whether the claim carries a valid hash; IdentityNotVerified if the hash is wrong, or
    missing where the workspace requires one. A wrong hash is refused even where unsigned
    claims are accepted: it is a forgery or a misconfigured server, and both need telling."""
    if claim.identity_hash is None:
        if workspace.settings.get("identity_verification"):
            raise IdentityNotVerified(
                "This workspace requires identity verification: send identity_hash, the hex "
                "HMAC-SHA256 of external_id keyed with the workspace's identity secret, "
                "computed on your server."
            )
        return False
    expected = identity_hash(workspace.identity_secret, claim.external_id)
    # An empty secret (a workspace from before identity secrets) verifies nothing: anyone
    # could compute an HMAC keyed with it.
    if not workspace.identity_secret or not hmac.compare_digest(
        expected.encode(), claim.identity_hash.lower().encode()
    ):
        raise IdentityNotVerified(
            "identity_hash does not match external_id: compute it on your server as the hex "
            "HMAC-SHA256 of external_id, keyed with the workspace's current identity secret."
        )
    return True


def _claimed_id(contact: Contact) -> str | None:
    claimed = contact.external_id or contact.attributes.get(UNVERIFIED_ID_ATTRIBUTE)
    return claimed if isinstance(claimed, str) else None


async def _apply_claim(
    session: AsyncSession, workspace: Workspace, contact: Contact | None, claim: IdentityClaim
) -> Contact:
    signed = _claim_is_signed(workspace, claim)
    if contact is not None and _claimed_id(contact) not in (None, claim.external_id):
        # Another person on this browser: nothing of the previous one carries over.
        contact = None
    if signed:
        return await _identified(session, workspace, contact, claim)
    if contact is not None and contact.external_id == claim.external_id:
        return contact  # already verified as this customer; an unsigned repeat changes nothing
    # An unsigned claim never opens another contact's conversations: it is kept on this
    # (anonymous) visitor for agents to weigh.
    contact = contact or await _new_contact(session, workspace)
    changes = {**_profile(claim), "attributes": {UNVERIFIED_ID_ATTRIBUTE: claim.external_id}}
    return await contacts.update_contact(session, contact, changes=changes)


async def _identified(
    session: AsyncSession, workspace: Workspace, contact: Contact | None, claim: IdentityClaim
) -> Contact:
    """The contact with the claim's external id: found, or the current anonymous visitor
    identified, or created."""
    holder = await contacts.find_by_external_id(session, workspace.id, claim.external_id)
    if holder is None:
        holder = contact or await _new_contact(session, workspace)
        try:
            await contacts.update_contact(
                session,
                holder,
                changes={
                    "external_id": claim.external_id,
                    "attributes": {UNVERIFIED_ID_ATTRIBUTE: None},
                },
            )
        except contacts.ExternalIdTaken:
            # A concurrent request identified another contact first: that one is the customer.
            holder = await contacts.find_by_external_id(session, workspace.id, claim.external_id)
            if holder is None:
                raise
    profile = _profile(claim)
    if profile:
        await contacts.update_contact(session, holder, changes=profile)
    return holder


def _profile(claim: IdentityClaim) -> dict[str, str]:
    return {
        key: value
        for key, value in (("name", claim.name), ("email", claim.email))
        if value is not None
    }


async def authenticate_visitor_token(
    session: AsyncSession, token: str, *, touch: bool = True
) -> VisitorPrincipal:
    """The visitor of `token`: the session exists, is neither revoked nor expired, and its
    workspace is active; NotAuthenticated otherwise. For REST (VisitorAuth) and the widget's
    WebSocket, which also checks the Origin with check_widget_origin(visitor_workspace(...)).
    `touch`: mark the session seen (now and then); the WebSocket's handshake reads only, and
    its open sockets are marked in bulk (still_valid_sessions)."""
    found = None
    if token.startswith(VISITOR_TOKEN_PREFIX):
        found = await VisitorTokenLookup(session).get_with_workspace(hash_secret(token))
    if found is None:
        raise NotAuthenticated(SESSION_NOT_VALID)
    visitor_session, workspace = found
    now = utc_now()
    if visitor_session.revoked_at is not None or visitor_session.expires_at <= now:
        raise NotAuthenticated(SESSION_NOT_VALID)
    if workspace.status != WorkspaceStatus.active:
        raise NotAuthenticated("This workspace is suspended.")
    if touch and now - visitor_session.last_seen_at > VISITOR_TOUCH_INTERVAL:
        visitor_session.last_seen_at = now
    return VisitorPrincipal(
        workspace_id=workspace.id,
        contact_id=visitor_session.contact_id,
        visitor_session_id=visitor_session.id,
    )


async def still_valid_sessions(
    session: AsyncSession, session_ids: Collection[uuid.UUID]
) -> set[uuid.UUID]:
    """Of the visitor sessions behind open widget sockets, those that may stay connected (as
    authenticate_visitor_token would judge them), in one query; they count as seen now."""
    now = utc_now()
    sessions = OpenSocketSessions(session)
    valid = await sessions.still_valid(session_ids, now=now)
    if valid:
        await sessions.touch(valid, now=now, older_than=now - VISITOR_TOUCH_INTERVAL)
    return valid


async def visitor_workspace(session: AsyncSession, principal: VisitorPrincipal) -> Workspace:
    """The visitor's workspace (for check_widget_origin on the WebSocket)."""
    workspace = await WidgetKeyLookup(session).get(principal.workspace_id)
    if workspace is None:
        raise NotAuthenticated(SESSION_NOT_VALID)
    return workspace


async def get_visitor(session: AsyncSession, principal: VisitorPrincipal) -> Contact:
    """The visitor's own contact."""
    return await _visitor_contact(session, principal, for_update=False)


async def _visitor_contact(
    session: AsyncSession, principal: VisitorPrincipal, *, for_update: bool
) -> Contact:
    repository = ContactRepository(session, workspace_id=principal.workspace_id)
    if for_update:
        contact = await repository.get_for_update(principal.contact_id)
    else:
        contact = await repository.get(principal.contact_id)
    if contact is None:
        # Deleting a contact deletes its sessions; this is a race with that deletion.
        raise NotAuthenticated(SESSION_NOT_VALID)
    return contact


async def update_visitor(
    session: AsyncSession, principal: VisitorPrincipal, *, changes: dict[str, str | None]
) -> Contact:
    """The visitor changes their own name or email (nothing else: not the external id)."""
    unknown = set(changes) - {"name", "email"}
    if unknown:
        raise ValueError(f"Visitors cannot change {sorted(unknown)}.")
    contact = await _visitor_contact(session, principal, for_update=True)
    return await contacts.update_contact(session, contact, changes=changes)


async def end_session(session: AsyncSession, principal: VisitorPrincipal) -> None:
    """Log the visitor out: the token stops working at once."""
    repository = VisitorSessionRepository(session, workspace_id=principal.workspace_id)
    await repository.revoke(principal.visitor_session_id, at=utc_now())


async def enforce_message_limit(
    limiter: RateLimiter, settings: Settings, principal: VisitorPrincipal
) -> None:
    """Count one message of the visitor; RateLimited (429) past the per-minute limit."""
    limit = Limit(
        f"widget_message:contact:{principal.contact_id}", settings.widget_message_limit_per_visitor
    )
    await enforce(limiter, [limit], window=WIDGET_RATE_WINDOW)


async def enforce_upload_limit(
    limiter: RateLimiter, settings: Settings, principal: VisitorPrincipal
) -> None:
    """Count one file uploaded by the visitor; RateLimited (429) past the per-minute limit.
    Counted apart from messages: a file costs storage, and one message may carry several."""
    limit = Limit(
        f"widget_upload:contact:{principal.contact_id}", settings.widget_upload_limit_per_visitor
    )
    await enforce(limiter, [limit], window=WIDGET_RATE_WINDOW)


async def reveal_identity_secret(
    session: AsyncSession, actor: MemberPrincipal, workspace: Workspace
) -> str:
    """The secret the website's server signs identities with; reading it is audited."""
    _record(session, actor, workspace, "workspace.identity_secret_viewed")
    return workspace.identity_secret


async def rotate_identity_secret(
    session: AsyncSession, actor: MemberPrincipal, workspace: Workspace
) -> str:
    """A new secret: hashes made with the old one stop verifying at once. Visitors already
    identified keep their sessions."""
    workspace.identity_secret = secrets.token_hex(32)
    _record(session, actor, workspace, "workspace.identity_secret_rotated")
    await session.flush()
    return workspace.identity_secret


def _record(
    session: AsyncSession, actor: MemberPrincipal, workspace: Workspace, action: str
) -> None:
    audit.record(
        session,
        actor,
        workspace_id=workspace.id,
        action=action,
        target_type="workspace",
        target_id=workspace.id,
    )
