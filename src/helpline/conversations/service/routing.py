"""Automatic assignment: round-robin over online members, capacity, the queue, and handing
back the conversations of a member who goes offline. The rules: docs/assignment.md.

Lock order, everywhere: the workspace's routing lock (its row, FOR NO KEY UPDATE) first, then
conversation rows, then membership rows. Every function here takes the routing lock before
anything else, and so do the tenancy functions that change availability or capacity; code
that holds a conversation's lock never takes the routing lock, it asks for a drain after
commit instead (common.request_drain). Under the routing lock routing is serial within a
workspace, so two drains, or a drain and a new conversation, cannot hand out the same
capacity twice; the conversation's own lock, re-checked, settles races with claims.
"""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth.principals import WorkspacePrincipal
from helpline.conversations.models import Conversation, Message, Owner, SystemEvent
from helpline.conversations.routing_repository import (
    WORKING_STATUSES,
    AssigneeRepository,
    QueueRepository,
)
from helpline.conversations.service.assignment import set_assignee
from helpline.conversations.service.common import BotActor, lock
from helpline.conversations.service.messages import checked_body
from helpline.conversations.service.timeline import post_authored, post_system
from helpline.core.time import utc_now
from helpline.tenancy import service as tenancy
from helpline.tenancy.models import Availability, Membership, Workspace
from helpline.tenancy.repository import MembershipRepository, WorkspaceLookup
from helpline.tenancy.schemas import WorkspaceSettings

# The `reason` of the system messages routing writes.
AUTO = "auto"
MEMBER_OFFLINE = "member_offline"


def _needs_routing(conversation: Conversation) -> bool:
    return (
        conversation.status in WORKING_STATUSES
        and conversation.assignee_id is None
        and conversation.merged_into_id is None
    )


async def _lock_routing(session: AsyncSession, workspace_id: uuid.UUID) -> bool:
    """Take the workspace's routing lock; True when automatic assignment is on there."""
    workspace = await WorkspaceLookup(session).lock_for_routing(workspace_id)
    if workspace is None:
        return False
    return WorkspaceSettings.model_validate(workspace.settings).auto_assignment


async def route_to_human(session: AsyncSession, conversation: Conversation) -> Membership | None:
    """Give an open or pending, unassigned conversation to the eligible member assigned
    longest ago; None (it stays in the queue) when nobody can take it, or when automatic
    assignment is off. The bot's conversations are left to it: hand_off routes them when
    it lets go."""
    if not _needs_routing(conversation) or conversation.owner == Owner.bot:
        return None
    if not await _lock_routing(session, conversation.workspace_id):
        return None
    return await _route(session, conversation)


async def hand_off(
    session: AsyncSession,
    conversation: Conversation,
    *,
    reason: str,
    farewell: str | None,
    data: dict[str, object] | None = None,
) -> Message | None:
    """The bot gives its conversation to people: its `farewell` (a bot message), a
    `handed_off` system message with `reason`, owner nobody, then routing as for any new
    conversation. Returns the system message, or None when the bot no longer owns the
    conversation (handed off already, or taken by someone): a retried job changes nothing.

    The routing lock comes first, as everywhere (module docstring)."""
    auto = await _lock_routing(session, conversation.workspace_id)
    conversation = await lock(session, conversation)
    if conversation.owner != Owner.bot:
        return None
    if farewell is not None:
        bot = BotActor(workspace_id=conversation.workspace_id)
        waiting, first_response = conversation.waiting_since, conversation.first_response_at
        text = checked_body(farewell)
        post_authored(session, conversation, bot, text, private=False, client_message_id=None)
        # The contact still waits for a person: the farewell is not an answer.
        conversation.waiting_since = waiting or utc_now()
        conversation.first_response_at = first_response
    conversation.owner = Owner.nobody
    message = post_system(
        session, conversation, None, SystemEvent.handed_off, {"reason": reason, **(data or {})}
    )
    await session.flush()
    if auto and _needs_routing(conversation):
        await _route(session, conversation)
    return message


async def drain_backlog(session: AsyncSession, workspace_id: uuid.UUID) -> int:
    """Route the queue, oldest waiting first, until it is empty or nobody has room; returns
    how many conversations were assigned. Idempotent, and safe to run concurrently."""
    if not await _lock_routing(session, workspace_id):
        return 0
    return await _drain(session, workspace_id)


async def update_workspace(
    session: AsyncSession,
    actor: WorkspacePrincipal,
    workspace: Workspace,
    *,
    changes: dict[str, Any],
) -> None:
    """tenancy.update_workspace, and when it turns automatic assignment on, hand out what
    queued meanwhile (REST and the dashboard's settings both change a workspace this way)."""
    was_auto = WorkspaceSettings.model_validate(workspace.settings).auto_assignment
    await tenancy.update_workspace(session, actor, workspace, changes=changes)
    if not was_auto and WorkspaceSettings.model_validate(workspace.settings).auto_assignment:
        await drain_backlog(session, workspace.id)


async def release_member(
    session: AsyncSession, workspace_id: uuid.UUID, membership_id: uuid.UUID, *, reason: str
) -> int:
    """Put the member's open and pending conversations back in the queue (an `unassigned`
    message with `reason`) and route them to others; returns how many were released. Call it
    once the member is no longer online. Nothing happens while automatic assignment is off:
    a workspace that assigns by hand keeps its assignments."""
    if not await _lock_routing(session, workspace_id):
        return 0
    released: list[Conversation] = []
    for candidate in await QueueRepository(session, workspace_id=workspace_id).working_of(
        membership_id
    ):
        conversation = await lock(session, candidate)
        if conversation.assignee_id != membership_id or not (
            conversation.status in WORKING_STATUSES and conversation.merged_into_id is None
        ):
            continue
        set_assignee(session, conversation, None, None, reason=reason)
        released.append(conversation)
    await session.flush()
    for conversation in released:
        await _route(session, conversation)
    return len(released)


async def availability_changed(session: AsyncSession, membership: Membership) -> None:
    """What assignment does when a member sets their availability (after
    tenancy.set_availability): coming online drains the queue, going offline releases their
    conversations. Busy and away keep what they have and receive nothing new."""
    if membership.availability == Availability.online:
        await drain_backlog(session, membership.workspace_id)
    elif membership.availability == Availability.offline:
        await release_member(session, membership.workspace_id, membership.id, reason=MEMBER_OFFLINE)


async def _drain(session: AsyncSession, workspace_id: uuid.UUID) -> int:
    members = AssigneeRepository(session, workspace_id=workspace_id)
    routed = 0
    for conversation in await QueueRepository(session, workspace_id=workspace_id).queued():
        if await _route(session, conversation) is not None:
            routed += 1
        elif not await members.anyone_has_room():
            break
    return routed


async def _route(session: AsyncSession, conversation: Conversation) -> Membership | None:
    """Assign under the routing lock (held by the caller): lock the conversation and check
    it still needs someone, then pick and lock the member."""
    assignees = AssigneeRepository(session, workspace_id=conversation.workspace_id)
    if not await assignees.candidate_ids(conversation.team_id):
        return None  # Nobody could take it: spare the conversation's lock.
    conversation = await lock(session, conversation)
    if not _needs_routing(conversation) or conversation.owner == Owner.bot:
        return None
    member = await _pick(session, conversation)
    if member is None:
        return None
    set_assignee(session, conversation, None, member.id, reason=AUTO)
    member.last_assigned_at = utc_now()
    await session.flush()
    return member


async def _pick(session: AsyncSession, conversation: Conversation) -> Membership | None:
    workspace_id = conversation.workspace_id
    assignees = AssigneeRepository(session, workspace_id=workspace_id)
    members = MembershipRepository(session, workspace_id=workspace_id)
    for member_id in await assignees.candidate_ids(conversation.team_id):
        # Re-checked under the member's row lock: what was read to choose them may have
        # changed since (availability and capacity are written under the routing lock, but
        # a member removed meanwhile is simply gone).
        member = await members.lock(member_id)
        if (
            member is not None
            and member.availability == Availability.online
            and await assignees.load_of(member.id) < member.capacity
        ):
            return member
    return None
