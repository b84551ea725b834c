"""Conversation ids from clients become conversations only here, inside the caller's
workspace and within team visibility: owners, admins, supervisors and API keys see every
conversation of the workspace; agents see those in no team, those of their teams, and those
assigned to them. Anything else raises the same NotFound as a missing id (RELIABILITY.md,
Isolation 2)."""

import uuid
from typing import Final

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth.principals import ApiKeyPrincipal, VisitorPrincipal, WorkspacePrincipal
from helpline.conversations.models import Attachment, Conversation, Message, SenderKind
from helpline.conversations.repository import (
    AttachmentRepository,
    ConversationRepository,
    MessageRepository,
)
from helpline.core.errors import NotFound
from helpline.tenancy.models import Role

# Roles that oversee the whole inbox; agents are limited by their teams.
SEE_ALL_ROLES: Final = frozenset({Role.owner, Role.admin, Role.supervisor})


def viewer_of(principal: WorkspacePrincipal) -> uuid.UUID | None:
    """The membership whose team visibility limits what `principal` sees; None: everything."""
    if isinstance(principal, ApiKeyPrincipal):
        return None
    if principal.role in SEE_ALL_ROLES:
        return None
    return principal.membership_id


async def access_conversation(
    session: AsyncSession,
    principal: WorkspacePrincipal,
    conversation_id: uuid.UUID,
    *,
    for_write: bool = False,
) -> Conversation:
    """The conversation, if `principal` may see it. `for_write` also takes its row lock, so
    the visibility check and the change that follows see the same row."""
    conversations = ConversationRepository(session, workspace_id=principal.workspace_id)
    conversation = await conversations.get_visible(
        conversation_id, viewer_of(principal), lock=for_write
    )
    if conversation is None:
        raise NotFound("Conversation not found.")
    _log_context(conversation.id)
    return conversation


async def access_visitor_conversation(
    session: AsyncSession,
    principal: VisitorPrincipal,
    conversation_id: uuid.UUID,
    *,
    for_write: bool = False,
) -> Conversation:
    """The conversation, if it is the visitor's own. Another contact's conversation, even in
    the same workspace, raises the same NotFound as a missing id."""
    conversations = ConversationRepository(session, workspace_id=principal.workspace_id)
    conversation = await conversations.get_of_contact(
        conversation_id, principal.contact_id, lock=for_write
    )
    if conversation is None:
        raise NotFound("Conversation not found.")
    _log_context(conversation.id)
    return conversation


ATTACHMENT_NOT_FOUND: Final = "Attachment not found."


async def access_attachment(
    session: AsyncSession, principal: WorkspacePrincipal, attachment_id: uuid.UUID
) -> Attachment:
    """The attachment, if `principal` may see its conversation (RELIABILITY.md, Isolation 4):
    whoever sees the conversation sees its files, notes' files included."""
    attachments = AttachmentRepository(session, workspace_id=principal.workspace_id)
    attachment = await attachments.get_visible(attachment_id, viewer_of(principal))
    if attachment is None:
        raise NotFound(ATTACHMENT_NOT_FOUND)
    _log_context(attachment.conversation_id)
    return attachment


async def access_attachment_for_contact(
    session: AsyncSession, workspace_id: uuid.UUID, contact_id: uuid.UUID, attachment_id: uuid.UUID
) -> Attachment:
    """The attachment, if the contact may see it: a file of one of their conversations that a
    public message carries, or their own upload not sent yet. Files of private notes, and
    uploads members have not sent, do not exist for them."""
    attachments = AttachmentRepository(session, workspace_id=workspace_id)
    found = await attachments.get_for_contact(attachment_id, contact_id)
    if found is None:
        raise NotFound(ATTACHMENT_NOT_FOUND)
    attachment, message = found
    if message is None and attachment.uploader_contact_id != contact_id:
        raise NotFound(ATTACHMENT_NOT_FOUND)
    if message is not None and message.private:
        raise NotFound(ATTACHMENT_NOT_FOUND)
    return attachment


async def access_for_bot(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    conversation_id: uuid.UUID,
    message_id: uuid.UUID,
) -> tuple[Conversation, Message] | None:
    """The conversation and the contact's message in it that the bot was asked to answer
    (ids the server enqueued, never the model's), or None when either is gone or the
    message is not the contact's in that conversation."""
    conversations = ConversationRepository(session, workspace_id=workspace_id)
    conversation = await conversations.get_visible(conversation_id, None, lock=False)
    message = await MessageRepository(session, workspace_id=workspace_id).get(message_id)
    if (
        conversation is None
        or message is None
        or message.conversation_id != conversation.id
        or message.sender_kind != SenderKind.contact
    ):
        return None
    _log_context(conversation.id)
    return conversation, message


def _log_context(conversation_id: uuid.UUID) -> None:
    """Every later line of the request (or socket frame, or job) names the conversation it
    works on, beside the workspace the route guard bound."""
    structlog.contextvars.bind_contextvars(conversation_id=str(conversation_id))
