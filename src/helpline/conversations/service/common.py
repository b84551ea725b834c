"""What every conversation operation shares: who acts, the errors, the row lock."""

import uuid
from dataclasses import dataclass

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth.principals import ApiKeyPrincipal, MemberPrincipal
from helpline.conversations.models import Conversation, Status
from helpline.conversations.repository import ConversationRepository
from helpline.conversations.routing_repository import WORKING_STATUSES
from helpline.conversations.service import publishing
from helpline.core.errors import Conflict, Unprocessable
from helpline.jobs import queue


@dataclass(frozen=True, slots=True)
class ContactActor:
    """The conversation's contact writing: through the widget, or an inbound channel. The
    visitor API will turn its principal into one of these."""

    workspace_id: uuid.UUID
    contact_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class BotActor:
    """The workspace's bot answering a conversation it owns (helpline.bot). Built by the bot
    from the conversation's own workspace, never from anything the model wrote."""

    workspace_id: uuid.UUID


# Who performs an operation. None, where accepted, is the system itself (a job).
Actor = MemberPrincipal | ApiKeyPrincipal | ContactActor | BotActor


class InvalidMessage(Unprocessable):
    default_detail = "The message is not valid."


class InvalidSubject(Unprocessable):
    default_detail = "The subject is not valid."


class InvalidLabels(Unprocessable):
    default_detail = "The labels are not valid."


class InvalidSnooze(Unprocessable):
    default_detail = "Snooze until a time in the future, with a time zone."


class InvalidReadPosition(Unprocessable):
    default_detail = "That message does not exist yet."


class ConversationMerged(Conflict):
    default_detail = "This conversation was merged into another one; continue there."


class ClientMessageIdReused(Conflict):
    default_detail = "This client_message_id belongs to someone else's message here."


class AlreadyClaimed(Conflict):
    default_detail = "Someone else already took this conversation."


class InvalidMerge(Conflict):
    default_detail = "These conversations cannot be merged."


async def lock(session: AsyncSession, conversation: Conversation) -> Conversation:
    """Lock the conversation's row and reload it; do this before changing anything on it.
    What changes after this is published as events when the transaction commits."""
    locked = await ConversationRepository(session, workspace_id=conversation.workspace_id).lock(
        conversation
    )
    publishing.conversation_locked(session, locked)
    return locked


def check_not_merged(conversation: Conversation) -> None:
    # A merged conversation is frozen: its history stays readable and work goes on in the
    # target, so that nothing is said in a conversation nobody watches any more.
    if conversation.merged_into_id is not None:
        raise ConversationMerged(
            f"This conversation was merged into conversation {conversation.merged_into_id}; "
            "continue there."
        )


# --- Automatic assignment hooks (the rules: docs/assignment.md) ---------------------------

DRAIN_BACKLOG_JOB = "conversations.drain_backlog"
_DRAIN_REQUESTED = "helpline.conversations.drain_requested"


class DrainBacklogArgs(BaseModel):
    workspace_id: uuid.UUID


def request_drain(session: AsyncSession, workspace_id: uuid.UUID) -> None:
    """Route the queue of the workspace once this transaction commits (a job, at most one per
    transaction). Called where capacity frees up or a conversation enters the queue while the
    caller holds a conversation's lock: draining right here would take the routing lock after
    a conversation lock, against the lock order."""
    requested: set[uuid.UUID] = session.info.setdefault(_DRAIN_REQUESTED, set())
    if workspace_id in requested:
        return
    requested.add(workspace_id)
    queue.enqueue(
        session,
        DRAIN_BACKLOG_JOB,
        DrainBacklogArgs(workspace_id=workspace_id),
        workspace_id=workspace_id,
    )


# --- The bot (helpline.bot answers; these hooks only ask it to) ---------------------------

BOT_REPLY_JOB = "bot.reply"


class BotReplyArgs(BaseModel):
    workspace_id: uuid.UUID
    conversation_id: uuid.UUID
    # The contact's message to answer.
    message_id: uuid.UUID


def request_bot_reply(
    session: AsyncSession, conversation: Conversation, message_id: uuid.UUID
) -> None:
    """Ask the bot to answer the contact's message once this transaction commits."""
    args = BotReplyArgs(
        workspace_id=conversation.workspace_id,
        conversation_id=conversation.id,
        message_id=message_id,
    )
    queue.enqueue(session, BOT_REPLY_JOB, args, workspace_id=conversation.workspace_id)


def routing_changed(conversation: Conversation, previous_status: Status) -> bool:
    """Whether a status change freed its assignee's capacity or put it in the queue."""
    if conversation.merged_into_id is None and conversation.assignee_id is None:
        return conversation.status == Status.open and previous_status != Status.open
    return previous_status in WORKING_STATUSES and conversation.status not in WORKING_STATUSES
