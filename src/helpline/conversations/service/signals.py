"""Signals that change no row: typing, presence, and the inbox counts pushed to agents.

Typing and presence are published at once (publish_now), not after a commit: there is
nothing to commit, and they are worthless a second later.
"""

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth.principals import MemberPrincipal
from helpline.conversations import events
from helpline.conversations.access import viewer_of
from helpline.conversations.models import Conversation, Status
from helpline.conversations.repository import ConversationRepository
from helpline.conversations.service.common import Actor, ContactActor
from helpline.conversations.service.messages import check_own_conversation
from helpline.core.errors import PermissionDenied
from helpline.realtime.publish import publish_now
from helpline.tenancy.events import EVERY_MEMBER


def typing(
    session: AsyncSession,
    actor: Actor,
    conversation: Conversation,
    *,
    is_typing: bool,
    private: bool,
) -> None:
    """Tell the conversation's other watchers that `actor` is typing (or stopped). A member
    writing a note is shown to members only; the contact never learns which member types."""
    check_own_conversation(actor, conversation)
    workspace = conversation.workspace_id
    if isinstance(actor, ContactActor):
        frame = events.Typing(
            conversation_id=conversation.id,
            sender_kind="contact",
            member_id=None,
            is_typing=is_typing,
            private=False,
        )
        publish_now(session, workspace, events.agents_of(conversation), frame.encode())
        return
    if not isinstance(actor, MemberPrincipal):
        raise PermissionDenied("Only people type: API keys send messages directly.")
    for_members = events.Typing(
        conversation_id=conversation.id,
        sender_kind="agent",
        member_id=actor.membership_id,
        is_typing=is_typing,
        private=private,
    )
    publish_now(session, workspace, events.agents_of(conversation), for_members.encode())
    if not private:
        for_contact = for_members.model_copy(update={"member_id": None})
        publish_now(session, workspace, events.contact_of(conversation), for_contact.encode())


def presence_changed(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    member_id: uuid.UUID,
    *,
    online: bool,
    at: datetime,
) -> None:
    """A member's first socket opened, or their last one closed: every member hears it."""
    frame = events.PresenceChanged(member_id=member_id, online=online, at=at)
    publish_now(session, workspace_id, [EVERY_MEMBER], frame.encode())


async def inbox_counts(session: AsyncSession, principal: MemberPrincipal) -> events.InboxCounts:
    """The numbers of the member's inbox, within what they may see."""
    conversations = ConversationRepository(session, workspace_id=principal.workspace_id)
    rows = await conversations.inbox_counts(viewer_of(principal), principal.membership_id)
    counts = events.InboxCounts()
    for status, unassigned, mine, team_id, count in rows:
        if status == Status.open:
            counts.open += count
            counts.unassigned += count if unassigned else 0
            counts.mine += count if mine else 0
            if team_id is not None:
                counts.teams[team_id] = counts.teams.get(team_id, 0) + count
        elif status == Status.pending:
            counts.pending += count
        elif status == Status.snoozed:
            counts.snoozed += count
    return counts
