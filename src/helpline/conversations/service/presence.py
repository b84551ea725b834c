"""Presence: whether a member's sockets are alive, and the watchdog that sets a member
offline (and hands their conversations back) once they have been gone past the grace period.

The WebSocket layer calls member_connected, member_seen (heartbeats) and member_disconnected,
each in a unit of work of its own. They only record `presence_seen_at` and make sure a
watchdog job (`conversations.check_presence`) is pending; the watchdog does the rest, so a
web node that crashes (and never reports the disconnect) is caught the same way. Rules and
the duplicate-job policy: docs/assignment.md.
"""

import uuid
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.conversations.service.routing import release_member
from helpline.core.time import utc_now
from helpline.jobs import queue
from helpline.tenancy import service as tenancy
from helpline.tenancy.models import Availability, Membership
from helpline.tenancy.repository import MembershipRepository, WorkspaceLookup

CHECK_PRESENCE_JOB = "conversations.check_presence"
PRESENCE_LOST = "presence_lost"


class CheckPresenceArgs(BaseModel):
    workspace_id: uuid.UUID
    membership_id: uuid.UUID


class PresenceCheck(StrEnum):
    # Not watched: no such member, or already declared gone.
    idle = "idle"
    # Seen within the grace period: checked again at the new deadline.
    watching = "watching"
    # Gone past the grace period: set offline, conversations released.
    gone = "gone"


async def member_connected(
    session: AsyncSession, workspace_id: uuid.UUID, membership_id: uuid.UUID
) -> None:
    """A socket of the member opened: they are seen now, and watched."""
    await _touch(session, workspace_id, membership_id, ensure_watchdog=True)


async def member_seen(
    session: AsyncSession, workspace_id: uuid.UUID, membership_id: uuid.UUID
) -> None:
    """A heartbeat (at most every ~20 s per socket). Cheap: it only looks for the watchdog
    when the member had been declared gone, which ended the watchdog's chain."""
    await _touch(session, workspace_id, membership_id, ensure_watchdog=False)


async def member_disconnected(
    session: AsyncSession, workspace_id: uuid.UUID, membership_id: uuid.UUID
) -> None:
    """A socket closed. Other sockets (other tabs, other nodes) may still be open, so this
    only starts the grace period from now; their heartbeats will keep the member seen."""
    await _touch(session, workspace_id, membership_id, ensure_watchdog=True)


async def check_presence(
    session: AsyncSession, args: CheckPresenceArgs, *, grace: timedelta
) -> PresenceCheck:
    """The watchdog (a job; idempotent). Seen within `grace`: schedule the next check at the
    new deadline. Gone past it: set offline and release the member's conversations."""
    members = MembershipRepository(session, workspace_id=args.workspace_id)
    # A first look without locks: the common outcome (still seen) needs only the member's row.
    member = await members.get(args.membership_id)
    if member is None or member.presence_seen_at is None:
        return PresenceCheck.idle
    if member.presence_seen_at + grace > utc_now():
        member = await members.lock(args.membership_id)
        if member is None or member.presence_seen_at is None:
            return PresenceCheck.idle
        await _ensure_watchdog(session, member, run_at=member.presence_seen_at + grace)
        return PresenceCheck.watching
    return await _declare_gone(session, args, grace)


async def _declare_gone(
    session: AsyncSession, args: CheckPresenceArgs, grace: timedelta
) -> PresenceCheck:
    # The routing lock before the member's row (docs/assignment.md); then decide again, on
    # what the locks returned: the member may have been seen while this job waited.
    await WorkspaceLookup(session).lock_for_routing(args.workspace_id)
    member = await MembershipRepository(session, workspace_id=args.workspace_id).lock(
        args.membership_id
    )
    if member is None or member.presence_seen_at is None:
        return PresenceCheck.idle
    if member.presence_seen_at + grace > utc_now():
        await _ensure_watchdog(session, member, run_at=member.presence_seen_at + grace)
        return PresenceCheck.watching
    await tenancy.change_availability(session, args.workspace_id, member.id, Availability.offline)
    # No longer watched: a later connect or heartbeat starts a new watch.
    member.presence_seen_at = None
    await session.flush()
    await release_member(session, args.workspace_id, member.id, reason=PRESENCE_LOST)
    return PresenceCheck.gone


async def _touch(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    membership_id: uuid.UUID,
    *,
    ensure_watchdog: bool,
) -> None:
    member = await MembershipRepository(session, workspace_id=workspace_id).lock(membership_id)
    if member is None:
        return
    was_gone = member.presence_seen_at is None
    member.presence_seen_at = utc_now()
    await session.flush()
    if ensure_watchdog or was_gone:
        # Due now: the watchdog itself reads the grace period (the worker's settings) and
        # reschedules at the right deadline.
        await _ensure_watchdog(session, member, run_at=utc_now())


async def _ensure_watchdog(session: AsyncSession, member: Membership, *, run_at: datetime) -> None:
    """Enqueue a check unless one is already pending for the member. The caller holds the
    member's row lock, so two callers cannot both find none."""
    args = CheckPresenceArgs(workspace_id=member.workspace_id, membership_id=member.id)
    pending = await queue.has_queued(
        session,
        CHECK_PRESENCE_JOB,
        workspace_id=member.workspace_id,
        args={"membership_id": str(member.id)},
    )
    if not pending:
        queue.enqueue(
            session, CHECK_PRESENCE_JOB, args, workspace_id=member.workspace_id, run_at=run_at
        )
