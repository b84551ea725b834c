"""Response shapes built from rows: what REST answers and real-time events carry alike."""

import uuid
from collections.abc import Sequence
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.conversations.models import Attachment, Conversation, Message
from helpline.conversations.repository import AttachmentRepository, ConversationRepository
from helpline.conversations.schemas import AttachmentRead, ConversationRead, MessageRead

AGENT_DOWNLOAD_BASE: Final = "/api/v1/attachments"


async def describe(
    session: AsyncSession, conversations: Sequence[Conversation]
) -> list[ConversationRead]:
    """Response shapes for conversations of one workspace, with their contacts and labels:
    two queries whatever the number of conversations."""
    if not conversations:
        return []
    repository = ConversationRepository(session, workspace_id=conversations[0].workspace_id)
    contacts = await repository.contacts_of(conversations)
    labels = await repository.labels_of([c.id for c in conversations])
    return [ConversationRead.build(c, contacts[c.contact_id], labels[c.id]) for c in conversations]


def describe_attachment(
    attachment: Attachment, *, url_base: str = AGENT_DOWNLOAD_BASE
) -> AttachmentRead:
    return AttachmentRead(
        id=attachment.id,
        created_at=attachment.created_at,
        filename=attachment.filename,
        content_type=attachment.content_type,
        size_bytes=attachment.size_bytes,
        url=f"{url_base}/{attachment.id}",
    )


async def describe_messages(
    session: AsyncSession, messages: Sequence[Message], *, url_base: str = AGENT_DOWNLOAD_BASE
) -> list[MessageRead]:
    """Response shapes for messages of one workspace with their attachments: one query for
    the whole page. Every response (and event) carrying messages is built here."""
    if not messages:
        return []
    repository = AttachmentRepository(session, workspace_id=messages[0].workspace_id)
    files: dict[uuid.UUID, list[AttachmentRead]] = {m.id: [] for m in messages}
    for attachment in await repository.of_messages([m.id for m in messages]):
        if attachment.message_id in files:
            files[attachment.message_id].append(describe_attachment(attachment, url_base=url_base))
    return [
        MessageRead.model_validate(m).model_copy(update={"attachments": files[m.id]})
        for m in messages
    ]
