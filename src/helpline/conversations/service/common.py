"""What every conversation operation shares: who acts, the errors, the row lock."""

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth.principals import ApiKeyPrincipal, MemberPrincipal
from helpline.conversations.models import Conversation
from helpline.conversations.repository import ConversationRepository
from helpline.core.errors import Conflict, Unprocessable


@dataclass(frozen=True, slots=True)
class ContactActor:
    """The conversation's contact writing: through the widget, or an inbound channel. The
    visitor API will turn its principal into one of these."""

    workspace_id: uuid.UUID
    contact_id: uuid.UUID


# Who performs an operation. None, where accepted, is the system itself (a job).
Actor = MemberPrincipal | ApiKeyPrincipal | ContactActor


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
    """Lock the conversation's row and reload it; do this before changing anything on it."""
    return await ConversationRepository(session, workspace_id=conversation.workspace_id).lock(
        conversation
    )


def check_not_merged(conversation: Conversation) -> None:
    # A merged conversation is frozen: its history stays readable and work goes on in the
    # target, so that nothing is said in a conversation nobody watches any more.
    if conversation.merged_into_id is not None:
        raise ConversationMerged(
            f"This conversation was merged into conversation {conversation.merged_into_id}; "
            "continue there."
        )
