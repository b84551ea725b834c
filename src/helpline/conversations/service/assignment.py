"""Who works on a conversation: assigning, claiming, and routing to a team.

Automatic assignment (routing.py: round-robin, capacity, the queue) assigns through the same
set_assignee; the changes here that free capacity or queue a conversation ask for a drain of
the queue after commit (common.request_drain).
"""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth.principals import MemberPrincipal
from helpline.conversations.models import Conversation, Owner, Status, SystemEvent
from helpline.conversations.routing_repository import WORKING_STATUSES
from helpline.conversations.service.common import (
    Actor,
    AlreadyClaimed,
    check_not_merged,
    lock,
    request_drain,
)
from helpline.conversations.service.timeline import post_system
from helpline.core.errors import NotFound, PermissionDenied
from helpline.tenancy.models import Membership, Team


def set_assignee(
    session: AsyncSession,
    conversation: Conversation,
    actor: Actor | None,
    member_id: uuid.UUID | None,
    *,
    reason: str | None = None,
) -> None:
    """The one path that changes an assignee (the caller holds the lock). `reason` is set
    when the system decided (automatic assignment, a member going offline)."""
    previous = conversation.assignee_id
    if previous == member_id:
        return
    conversation.assignee_id = member_id
    conversation.owner = Owner.human if member_id is not None else Owner.nobody
    previous_id = str(previous) if previous is not None else None
    extra = {"reason": reason} if reason is not None else {}
    if member_id is None:
        post_system(
            session,
            conversation,
            actor,
            SystemEvent.unassigned,
            {"previous_assignee_id": previous_id, **extra},
        )
        return
    post_system(
        session,
        conversation,
        actor,
        SystemEvent.assigned,
        {"assignee_id": str(member_id), "previous_assignee_id": previous_id, **extra},
    )


async def assign(
    session: AsyncSession, actor: Actor, conversation: Conversation, member: Membership | None
) -> Conversation:
    """Assign to `member` (from access_member), or unassign with None. Assigning to the
    current assignee changes nothing."""
    if member is not None and member.workspace_id != conversation.workspace_id:
        raise NotFound("Member not found.")
    conversation = await lock(session, conversation)
    check_not_merged(conversation)
    previous = conversation.assignee_id
    set_assignee(session, conversation, actor, member.id if member is not None else None)
    # The previous assignee has room again, and an unassigned conversation is in the queue.
    if previous not in (None, conversation.assignee_id) and (
        conversation.status in WORKING_STATUSES
    ):
        request_drain(session, conversation.workspace_id)
    await session.flush()
    return conversation


async def claim(session: AsyncSession, actor: Actor, conversation: Conversation) -> Conversation:
    """Assign to the calling member, only if nobody has it yet. Decided under the row lock:
    of two agents claiming at once, one gets it and the other AlreadyClaimed (409)."""
    if not isinstance(actor, MemberPrincipal):
        raise PermissionDenied("Only members claim conversations; an API key assigns instead.")
    conversation = await lock(session, conversation)
    check_not_merged(conversation)
    if conversation.assignee_id not in (None, actor.membership_id):
        raise AlreadyClaimed("Someone else already took this conversation.")
    set_assignee(session, conversation, actor, actor.membership_id)
    await session.flush()
    return conversation


async def set_team(
    session: AsyncSession, actor: Actor, conversation: Conversation, team: Team | None
) -> Conversation:
    """Route to `team` (from access_team), or to no team with None. Agents outside the team
    stop seeing the conversation unless it is assigned to them."""
    if team is not None and team.workspace_id != conversation.workspace_id:
        raise NotFound("Team not found.")
    conversation = await lock(session, conversation)
    check_not_merged(conversation)
    team_id = team.id if team is not None else None
    if conversation.team_id != team_id:
        previous = conversation.team_id
        conversation.team_id = team_id
        post_system(
            session,
            conversation,
            actor,
            SystemEvent.team_changed,
            {
                "team_id": str(team_id) if team_id is not None else None,
                "previous_team_id": str(previous) if previous is not None else None,
            },
        )
        if conversation.assignee_id is None and conversation.status == Status.open:
            # Queued for another team now: its members may be free.
            request_drain(session, conversation.workspace_id)
        await session.flush()
    return conversation
